//! approval-bridge: Scenario workflow approval gates as Discord review cards.
//!
//! Layout (see README.md for the user's view):
//! - [`config`]: typed settings from the environment (and `.env`), validated once, secrets redacted.
//! - [`telemetry`]: the tracing subscriber shared by the binary and the tests.
//! - [`redact`]: interaction tokens and webhook URLs taken out of every log line and shown error.
//! - [`approvals`]: the domain, with no I/O: gate detection over a job's flow, approval states, ids,
//!   review policies (quorum, reminders, deadlines: what is due when), who started a run and
//!   self-approval, and the picking rules of selection gates.
//! - [`scenario`]: the Scenario REST API client, its wire types and retry policy.
//! - [`store`]: SQLite or PostgreSQL through sqlx: approvals, quorum votes, watches (routes, their
//!   policies), people linked to Scenario users, reviewers' choices on selection gates, the
//!   audit trails, the lease, and the one clock shared time is read on (the database's, carried
//!   on the monotonic clock).
//! - [`routes`]: where gates go, who decides them and under which review policy; the only way to
//!   change the routes.
//! - [`monotonic`]: the process's own monotonic clock, injectable: the request budget's and the
//!   watcher's cadence's (tokio's in production, moved by hand in tests).
//! - [`lifecycle`]: the one shutdown tree and the work in flight that shutdown waits for.
//! - [`polls`]: the watcher's handle: a pass on request, `PollReport`, how passes have gone.
//! - [`watcher`]: the poll loop around one public step, `try_poll_once`, which also sends the
//!   reminders and deadline outcomes that fell due; it holds only the parts it uses
//!   (`watcher::WatcherParts`: store, clients, claims, card writer, its handle, routes).
//! - [`feed`]: which runs a pass reads: the delta feed (`updatedAfter`) or a full sweep.
//! - [`decisions`]: from a claimed click (or a quorum reached) to exactly one decision in Scenario,
//!   and its settling.
//! - [`guild`]: what the bridge knows of its Discord server: the home server, the bot's member
//!   and the one list of permissions it needs, the members who may decide, Discord's error codes.
//! - [`cards`]: review and selection cards: drawn as pure functions of an approval, their
//!   previews (images downloaded, made small and attached to the card's message), the
//!   `custom_id`s of their components, the card writer (`cards::publish::CardWriter`: all that
//!   posting and editing a card takes), reminders' pings, the thread a card may start. The
//!   watcher and the handlers both write cards through it.
//! - [`discord`]: the serenity adapter: the state its handlers share (`discord::bridge`: store,
//!   clients, routes, card writer, lifecycle), interaction dispatch (gateway, or the HTTP
//!   interactions endpoint), typed refusals (`discord::refusal`), the click flows on cards
//!   (review, picking, Full size, re-runs), replies, the `/approvals` commands.
//! - [`events`]: what happened to the gates as records (gate posted, vote, decision, …): one enum
//!   of types, one mapping from the store's facts, JSON Lines and CSV, the HMAC signature.
//! - [`export`]: `approval-bridge export`, the events read from the database opened read-only.
//! - [`outbox`]: events POSTed to `EVENTS_URL`, signed, at least once and in order per gate, by
//!   the lease holder.
//! - [`metrics`]: the Prometheus registry one running bridge counts into.
//! - [`ops`]: the health and metrics listener (`HTTP_ADDR`), whose limits the interactions
//!   endpoint shares (request deadline, per-address caps, trusted proxies, refusals counted),
//!   and the health probe.
//! - [`lease`]: one active bridge per database: the lease a second process waits for, and each replica's heartbeat.
//! - [`app`]: builds every shared service once (`app::Services`), hands each part what it uses,
//!   and runs them until shutdown.
//! - [`check`]: `approval-bridge check`, each outside service tried once.
//! - [`scan`]: `approval-bridge scan`, one read-only sweep: the gates the bridge would post, the runs it skips.

pub mod app;
pub mod approvals;
pub mod cards;
pub mod check;
pub mod config;
pub mod decisions;
pub mod discord;
pub mod events;
pub mod export;
pub mod feed;
pub mod guild;
pub mod lease;
pub mod lifecycle;
pub mod metrics;
pub mod monotonic;
pub mod ops;
pub mod outbox;
pub mod polls;
pub mod redact;
pub mod routes;
pub mod scan;
pub mod scenario;
pub mod store;
pub mod telemetry;
pub mod watcher;
