//! `EVENTS_URL` and its companions: where events go, the signing key, the retries.
//!
//! DESIGN: the receiver is named by an admin, like `SCENARIO_BASE_URL`, not by whoever builds a
//! workflow (as asset URLs are, which `PREVIEW_HOSTS` guards): any http(s) host is accepted,
//! internal ones included (a tracker in the same network is the usual receiver). What would
//! leak is kept out instead: a URL carrying a user or password is refused (the log shows only
//! the URL's origin, and the secret belongs in `EVENTS_SECRET`), and deliveries follow no
//! redirect, so a signed event goes only where the setting says.

#[allow(clippy::wildcard_imports)]
use super::*;

impl reader::Reader<'_> {
    pub(super) fn events(&mut self) -> Option<EventsSettings> {
        let url = self.url("EVENTS_URL");
        let named = self.optional("EVENTS_URL").is_some();
        let secret = self.optional("EVENTS_SECRET");
        let retry_max = self.seconds("EVENTS_RETRY_MAX_SECS", DEFAULT_EVENTS_RETRY_MAX_SECS, 1);
        let park_after = self.seconds("EVENTS_PARK_AFTER_SECS", DEFAULT_EVENTS_PARK_AFTER_SECS, 1);
        if let Some(url) = url.as_ref().filter(|u| !u.username().is_empty() || u.password().is_some()) {
            let origin = url.origin().ascii_serialization();
            self.fail("EVENTS_URL", format!("carries a user or password (host {origin}): remove them; events are signed with EVENTS_SECRET"));
            return None;
        }
        match (url, secret) {
            (Some(url), Some(secret)) => {
                if secret.chars().count() < MIN_EVENTS_SECRET_CHARS || secret.chars().any(char::is_whitespace)
                {
                    self.fail("EVENTS_SECRET", format!("must be at least {MIN_EVENTS_SECRET_CHARS} characters without spaces: use a random value, e.g. the output of `openssl rand -hex 32`"));
                    return None;
                }
                Some(EventsSettings { url, secret: SecretString::from(secret), retry_max, park_after })
            }
            (Some(_), None) => {
                self.fail("EVENTS_SECRET", "is missing: set it with EVENTS_URL, to the key the receiver verifies events with (e.g. the output of `openssl rand -hex 32`)");
                None
            }
            (None, Some(_)) if !named => {
                self.fail(
                    "EVENTS_SECRET",
                    "is set but EVENTS_URL is not: set EVENTS_URL to the receiver, or unset EVENTS_SECRET",
                );
                None
            }
            (None, _) => None,
        }
    }
}
