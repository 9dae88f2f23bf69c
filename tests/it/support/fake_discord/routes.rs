//! The route table: method, OpenAPI path template, who may call it, and its handler.

use axum::http::{HeaderMap, header};

use super::errors::ApiError;
use super::rest::{Ctx, Reply};
use super::{BOT_TOKEN, Shared, commands, rest_interactions as ri, rest_messages as rm, threads};

type Handler = fn(&Shared, &Ctx) -> Result<Reply, ApiError>;

/// Who may call a route.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Auth {
    /// `Authorization: Bot <token>` required.
    Bot,
    /// Authorised by the token in the path; an `Authorization` header, if sent, must be right.
    Optional,
}

/// One route: method, OpenAPI path template, who may call it, handler.
pub(super) struct RouteSpec {
    method: &'static str,
    pub(super) template: &'static str,
    pub(super) auth: Auth,
    pub(super) handler: Handler,
}

const fn route(method: &'static str, template: &'static str, auth: Auth, handler: Handler) -> RouteSpec {
    RouteSpec { method, template, auth, handler }
}

/// Literal segments come before parameters at the same place (`@original` before `{message_id}`).
static ROUTES: &[RouteSpec] = &[
    route("GET", "/gateway", Auth::Optional, rm::gateway),
    route("GET", "/gateway/bot", Auth::Bot, rm::gateway_bot),
    route("GET", "/users/@me", Auth::Bot, rm::current_user),
    route("GET", "/users/@me/guilds", Auth::Bot, rm::current_user_guilds),
    route("GET", "/oauth2/applications/@me", Auth::Bot, rm::application),
    route("GET", "/applications/@me", Auth::Bot, rm::application),
    route("GET", "/applications/{application_id}/commands", Auth::Bot, commands::list_global),
    route("PUT", "/applications/{application_id}/commands", Auth::Bot, commands::put_global),
    route("POST", "/applications/{application_id}/commands", Auth::Bot, commands::create_global),
    route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Auth::Bot,
        commands::list_guild,
    ),
    route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", Auth::Bot, commands::put_guild),
    route(
        "POST",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Auth::Bot,
        commands::create_guild,
    ),
    route("GET", "/channels/{channel_id}", Auth::Bot, rm::get_channel),
    route("PATCH", "/channels/{channel_id}", Auth::Bot, threads::modify),
    route("GET", "/channels/{channel_id}/messages", Auth::Bot, rm::list_messages),
    route("POST", "/channels/{channel_id}/messages", Auth::Bot, rm::create_message),
    route("GET", "/channels/{channel_id}/messages/{message_id}", Auth::Bot, rm::get_message),
    route("PATCH", "/channels/{channel_id}/messages/{message_id}", Auth::Bot, rm::edit_message),
    route("DELETE", "/channels/{channel_id}/messages/{message_id}", Auth::Bot, rm::delete_message),
    route("POST", "/channels/{channel_id}/messages/{message_id}/threads", Auth::Bot, threads::start),
    route("GET", "/guilds/{guild_id}", Auth::Bot, rm::get_guild),
    route("GET", "/guilds/{guild_id}/roles", Auth::Bot, rm::guild_roles),
    route("GET", "/guilds/{guild_id}/members/{user_id}", Auth::Bot, rm::guild_member),
    route("GET", "/guilds/{guild_id}/channels", Auth::Bot, rm::guild_channels),
    route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        Auth::Optional,
        ri::callback,
    ),
    route("POST", "/webhooks/{webhook_id}/{webhook_token}", Auth::Optional, ri::create_followup),
    route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::get_original,
    ),
    route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::edit_original,
    ),
    route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Auth::Optional,
        ri::delete_original,
    ),
    route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::get_followup,
    ),
    route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::edit_followup,
    ),
    route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Auth::Optional,
        ri::delete_followup,
    ),
];

/// The parameters of `path` if it fits `template`.
fn fit<'p>(template: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if t.len() != p.len() {
        return None;
    }
    let mut params = vec![];
    for (t, p) in t.iter().zip(&p) {
        if t.starts_with('{') && !p.is_empty() {
            params.push(*p);
        } else if t != p {
            return None;
        }
    }
    Some(params)
}

pub(super) fn find<'p>(method: &str, path: &'p str) -> Result<(&'static RouteSpec, Vec<&'p str>), ApiError> {
    let mut path_known = false;
    for spec in ROUTES {
        if let Some(params) = fit(spec.template, path) {
            if spec.method == method {
                return Ok((spec, params));
            }
            path_known = true;
        }
    }
    Err(if path_known { ApiError::method_not_allowed() } else { ApiError::not_found() })
}

pub(super) fn authorised(auth: Auth, headers: &HeaderMap) -> bool {
    let expected = format!("Bot {BOT_TOKEN}");
    match headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or_default()) {
        Some(sent) => sent == expected,
        None => auth == Auth::Optional,
    }
}
