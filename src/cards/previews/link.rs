//! Which asset URLs may be fetched or shown as a link.
//!
//! Scenario sends `null` for some URLs (the card used to show `""`), and a URL that is empty,
//! relative or too long makes Discord refuse the whole message. Every URL is checked here before
//! it is downloaded or written on a card.

use url::Url;

use super::NotShown;

/// The longest URL put on a card or downloaded. Discord refuses embed URLs past 2048
/// characters; a markdown link is held to the same.
pub const MAX_URL_CHARS: usize = 2048;

/// `raw` as an absolute http(s) URL short enough for Discord, or why it is not one.
pub fn usable(raw: &str) -> Result<Url, NotShown> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(NotShown::NoUrl);
    }
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(NotShown::UrlTooLong);
    }
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(url),
        Ok(_) => Err(NotShown::NotWebUrl),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(NotShown::RelativeUrl),
        Err(_) => Err(NotShown::NotWebUrl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_https_url_is_usable_as_it_is() {
        let raw = "https://cdn.cloud.scenario.com/assets/a.png?Expires=1&Signature=x~y&Key-Pair-Id=K";
        assert_eq!(usable(raw).map(String::from), Ok(raw.to_owned()));
    }

    #[test]
    fn empty_relative_overlong_and_other_scheme_urls_each_say_what_is_wrong() {
        assert_eq!(usable(""), Err(NotShown::NoUrl));
        assert_eq!(usable("   "), Err(NotShown::NoUrl));
        assert_eq!(usable("/assets/a.png"), Err(NotShown::RelativeUrl));
        assert_eq!(usable("assets/a.png"), Err(NotShown::RelativeUrl));
        let long = format!("https://cdn.example/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(usable(&long), Err(NotShown::UrlTooLong));
        assert_eq!(usable("ftp://cdn.example/a.png"), Err(NotShown::NotWebUrl));
        assert_eq!(usable("javascript:alert(1)"), Err(NotShown::NotWebUrl));
        assert_eq!(usable("https://"), Err(NotShown::NotWebUrl));
    }

    #[test]
    fn a_url_of_exactly_the_limit_is_still_usable() {
        let prefix = "https://cdn.example/";
        let exact = format!("{prefix}{}", "a".repeat(MAX_URL_CHARS - prefix.len()));
        assert!(usable(&exact).is_ok());
    }
}
