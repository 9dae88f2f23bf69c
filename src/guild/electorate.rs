//! Who may still decide a gate, asked of Discord when approvals are counted: each voter's roles
//! as they are now, against the route's reviewer roles as they are now (or, for a route that
//! names none, Manage Server from the member's roles and the server's). The member linked to the
//! run's author does not count where the route refuses self-approval.

use std::sync::Arc;

use serenity::all::{Http, Member, PartialGuild, Permissions, RoleId};
use tracing::{info, warn};

use super::{api_error::discord_error_code, home::HomeServer};
use crate::{
    decisions::Electorate,
    routes::{Routes, may_decide},
    store::{Approval, Reviewer, Store},
};

/// Discord's JSON error code for a user who is not a member of the server.
const UNKNOWN_MEMBER: isize = 10007;

/// The members of the home server, as the routes let them decide.
#[derive(Clone)]
pub struct Members {
    discord: Arc<Http>,
    home: Arc<HomeServer>,
    routes: Arc<Routes>,
    store: Store,
}

impl Members {
    /// Asks `discord` about members of `home`, under `routes`, and `store` whom a run's author
    /// is linked to.
    pub fn new(discord: Arc<Http>, home: Arc<HomeServer>, routes: Arc<Routes>, store: Store) -> Self {
        Self { discord, home, routes, store }
    }
}

impl Electorate for Members {
    /// A voter who left the server, or who could not be looked up (Discord failing), does not
    /// count now; looked up again at the next count.
    async fn still_deciding(
        &self,
        approval: &Approval,
        mut voters: Vec<Reviewer>,
    ) -> Vec<(Reviewer, Vec<RoleId>)> {
        if voters.is_empty() {
            return Vec::new();
        }
        // A vote cast before its voter was linked to the run's author, or before the route
        // refused self-approval, counts no more.
        let rule = self.routes.self_approval_for(&approval.workflow_id);
        match self.store.linked_author(approval).await {
            Ok(author) => voters.retain(|v| !rule.refuses(author.map(|a| a.get()), v.id.get())),
            Err(err) => {
                warn!(approval_id = approval.id.get(), error = %err, "the run's author could not be read; no earlier approval counts for now");
                return Vec::new();
            }
        }
        let required = self.routes.reviewer_roles_for(&approval.workflow_id);
        let guild = if required.is_empty() {
            match self.home.id().to_partial_guild(&self.discord).await {
                Ok(guild) => Some(guild),
                Err(err) => {
                    warn!(approval_id = approval.id.get(), error = %err, "the server's roles could not be read; no earlier approval counts for now");
                    return Vec::new();
                }
            }
        } else {
            None
        };
        let mut still = Vec::with_capacity(voters.len());
        for voter in voters {
            match self.home.id().member(&self.discord, voter.id).await {
                Ok(member) => {
                    let permissions = guild.as_ref().map(|guild| permissions_of(guild, &member));
                    if may_decide(&required, &member.roles, permissions) {
                        still.push((voter, member.roles.clone()));
                    } else {
                        info!(
                            approval_id = approval.id.get(),
                            user_id = voter.id.get(),
                            "an approval no longer counts: its reviewer may no longer decide"
                        );
                    }
                }
                Err(err) if discord_error_code(&err) == Some(UNKNOWN_MEMBER) => {
                    info!(
                        approval_id = approval.id.get(),
                        user_id = voter.id.get(),
                        "an approval no longer counts: its reviewer left the server"
                    );
                }
                Err(err) => {
                    warn!(approval_id = approval.id.get(), user_id = voter.id.get(), error = %err, "a reviewer could not be looked up; their approval does not count for now");
                }
            }
        }
        still
    }
}

/// The server-wide permissions of `member`: the owner's are all; else those of `@everyone` and of
/// each of their roles.
fn permissions_of(guild: &PartialGuild, member: &Member) -> Permissions {
    if guild.owner_id == member.user.id {
        return Permissions::all();
    }
    let role = |id: RoleId| guild.roles.get(&id).map(|role| role.permissions).unwrap_or_default();
    let everyone = role(RoleId::new(guild.id.get()));
    member.roles.iter().fold(everyone, |all, id| all | role(*id))
}
