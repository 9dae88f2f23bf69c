//! Reliability: the real binary killed at random moments, faults from Scenario, Discord and the
//! disk, and hostile interactions. Each test checks the same promises: one click is one
//! decision, never two, never lost, never made by someone without the right.

mod card_fencing;
mod clock_skew;
mod crash;
mod crash_checks;
mod crash_script;
mod database;
mod discord_faults;
mod discord_hangs;
mod events;
mod exactly_once;
mod hostile_clicks;
mod one_active_bridge;
mod replicas;
mod reruns;
mod scenario_faults;
