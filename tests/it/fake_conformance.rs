//! Tests of the fakes themselves, beside the fakes in `support/`: the fake Discord's payloads and
//! rules (`discord`) and the fake Scenario's records against the SDK's schemas
//! (`scenario_schemas`), its run endpoint (`scenario_runs`), and the receiver of events' checks
//! (`receiver`). A fake kinder than the real service hides bugs, so each rule a fake
//! enforces is shown firing here, and the valid version of the same request going through.

mod discord;
mod receiver;
mod scenario_runs;
mod scenario_schemas;
