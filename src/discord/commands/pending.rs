//! `/approvals pending [workflow] [page]`: the gates waiting for a decision, oldest first, with
//! how long they have waited and a link to each card, a page at a time.

use serenity::all::GuildId;

use super::{args::Args, text::fit};
use crate::{
    approvals::people::StartedBy,
    cards::render::cut,
    discord::bridge::Bridge,
    discord::reply::{Answerable, Handled},
    store::Approval,
};

/// Gates on one page. A gate's line takes at most about 390 characters (its link alone about
/// 100, who started the run 70), so a page always fits in one answer.
pub const PAGE: usize = 4;

/// Answers with one page of the open gates.
pub async fn run(bridge: &Bridge, answer: &Answerable<'_>, guild_id: GuildId, args: Args<'_>) -> Handled<()> {
    let workflow = args.string("workflow");
    let mut open = bridge.store.open_approvals().await?;
    if let Some(workflow) = workflow {
        open.retain(|a| {
            a.workflow_id.as_str() == workflow || a.snapshot.workflow_name.eq_ignore_ascii_case(workflow)
        });
    }
    if open.is_empty() {
        let text = match workflow {
            Some(w) => format!("No gate of `{}` is waiting for a decision.", cut(w, 100)),
            None => "No gate is waiting for a decision.".to_owned(),
        };
        answer.say(text).await?;
        return Ok(());
    }
    let page = args.integer("page").unwrap_or(1);
    answer.say(render_page(&open, guild_id, page, workflow)).await?;
    Ok(())
}

/// Page `page` (from 1, clamped to the last) of `open`, oldest first.
pub fn render_page(open: &[Approval], guild_id: GuildId, page: i64, workflow: Option<&str>) -> String {
    let pages = open.len().div_ceil(PAGE);
    let page = usize::try_from(page).unwrap_or(1).clamp(1, pages);
    let lines: Vec<String> =
        open.iter().skip((page - 1) * PAGE).take(PAGE).map(|a| line(a, guild_id)).collect();
    let of = workflow.map(|w| format!(" of `{}`", cut(w, 60))).unwrap_or_default();
    let header = format!(
        "**{} gate{} waiting{of}**, oldest first:",
        open.len(),
        if open.len() == 1 { "" } else { "s" }
    );
    let footer = if pages > 1 {
        let next = if page < pages {
            format!(" · next: `/approvals pending page:{}`", page + 1)
        } else {
            String::new()
        };
        format!("Page {page} of {pages}{next}")
    } else {
        String::new()
    };
    fit(&header, &lines, &footer)
}

/// One gate: workflow, run, gate, how long it waited, and its card.
fn line(a: &Approval, guild_id: GuildId) -> String {
    let card = match (a.message_id, a.card_deleted) {
        (_, true) => format!("card deleted: `/approvals repost job:{}`", cut(a.job_id.as_str(), 60)),
        (Some(m), false) => {
            format!("[open card](https://discord.com/channels/{guild_id}/{}/{m})", a.channel_id)
        }
        (None, false) => "card not posted yet".to_owned(),
    };
    let deciding = if a.decided_by.is_some() { " · being decided" } else { "" };
    let kind = match &a.snapshot.selection {
        Some(choice) => format!(
            "selection `{}` (pick {} of {})",
            cut(a.node_id.as_str(), 24),
            choice.bounds_text(),
            choice.candidates.len()
        ),
        None => format!("gate `{}`", cut(a.node_id.as_str(), 24)),
    };
    // The Scenario user who started the run, so an admin can link them (`/approvals people`).
    let author = match a.snapshot.started_by.as_ref().and_then(StartedBy::person) {
        Some(id) => format!(" · started by Scenario user `{}`", cut(id, 40)),
        None => String::new(),
    };
    format!(
        "• **{}** · run `{}` · {kind}{author} · waiting since <t:{}:R>{deciding} · {card}",
        cut(&a.snapshot.workflow_name, 40),
        cut(a.job_id.as_str(), 40),
        a.found_at / 1000,
    )
}

#[cfg(test)]
mod tests {
    use serenity::all::{ChannelId, MessageId, UserId};

    use crate::approvals::ids::ApprovalId;

    use super::*;
    use crate::approvals::{
        review::ReviewSnapshot,
        selection::{Candidate, Choice},
        state::ApprovalState,
    };

    fn longest(n: i64) -> Approval {
        let long = |c: &str| c.repeat(500);
        Approval {
            id: ApprovalId::new(n),
            workflow_id: long("w").into(),
            job_id: long("j").into(),
            node_id: long("n").into(),
            state: ApprovalState::Deciding,
            snapshot: ReviewSnapshot {
                workflow_name: long("é"),
                run_started_at: None,
                iteration: None,
                assets: vec![],
                prompts: vec![],
                // Every other gate a selection, whose line says more.
                selection: (n % 2 == 0).then(|| Choice {
                    candidates: vec![Candidate::Text { text: long("t") }; 100],
                    min: 1,
                    max: 99,
                }),
                started_by: Some(StartedBy::Person(long("u"))),
            },
            found_at: i64::MAX,
            channel_id: ChannelId::new(u64::MAX),
            card_nonce: String::new(),
            message_id: Some(MessageId::new(u64::MAX)),
            card_deleted: false,
            card_current: true,
            card_attempted_at: None,
            decision: None,
            decided_by: Some(crate::store::Reviewer { id: UserId::new(1), name: long("r") }),
            decided_at: None,
            reason: None,
            claim_token: None,
            decision_sent_at: None,
            progress: Default::default(),
            picks: None,
            thread: Default::default(),
        }
    }

    #[test]
    fn a_full_page_of_the_longest_lines_fits_in_one_answer() {
        let open: Vec<Approval> = (1..=20).map(longest).collect();
        let text = render_page(&open, GuildId::new(u64::MAX), 2, Some(&"w".repeat(500)));
        assert!(text.chars().count() <= 2000, "{}", text.chars().count());
        assert_eq!(text.lines().filter(|l| l.starts_with("• ")).count(), PAGE, "{text}");
        assert!(!text.contains("more."), "nothing left out of a page: {text}");
        assert!(text.ends_with("Page 2 of 5 · next: `/approvals pending page:3`"), "{text}");
    }
}
