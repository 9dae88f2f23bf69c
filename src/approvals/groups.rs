//! Sign-off from each of several groups: a route's policy can name roles (`each_of`) of which
//! each must approve a gate, through one approval of a member holding it. Pure: the count asks
//! [`sign`] which groups the approvals so far cover.
//!
//! DESIGN: a member holding two of the roles signs for one. Which one is decided afresh at every
//! count, as a matching of approvals to groups that covers as many groups as possible (earlier
//! approvals are placed first): so an art lead who is also in legal signs for whichever of the
//! two the other approvals leave open, and a second member of the other group completes it.

use std::fmt;

/// The most groups a policy may name.
pub const MAX_GROUPS: usize = 5;

/// The roles (Discord role ids) of which each must sign; at most [`MAX_GROUPS`], no repeats.
/// A fixed array, so a policy stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Groups {
    roles: [u64; MAX_GROUPS],
    len: u8,
}

impl Groups {
    /// The groups `roles`, repeats dropped; `None` when there are more than [`MAX_GROUPS`] or one
    /// is 0.
    pub fn new(roles: &[u64]) -> Option<Self> {
        let mut groups = Self::default();
        for &role in roles {
            if role == 0 {
                return None;
            }
            if groups.roles().contains(&role) {
                continue;
            }
            *groups.roles.get_mut(usize::from(groups.len))? = role;
            groups.len += 1;
        }
        Some(groups)
    }

    /// The role ids, in the order they were named.
    pub fn roles(&self) -> &[u64] {
        &self.roles[..usize::from(self.len)]
    }

    /// Whether no group is named.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many groups are named.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// The groups as stored: role ids separated by commas (`None` for no group).
    pub fn to_column(&self) -> Option<String> {
        let ids: Vec<String> = self.roles().iter().map(u64::to_string).collect();
        Some(ids.join(",")).filter(|text| !text.is_empty())
    }

    /// The groups a stored column names; `None` when it is unreadable.
    pub fn from_column(column: Option<&str>) -> Option<Self> {
        let Some(text) = column.filter(|t| !t.is_empty()) else { return Some(Self::default()) };
        let ids: Option<Vec<u64>> = text.split(',').map(|id| id.trim().parse().ok()).collect();
        Self::new(&ids?)
    }
}

impl fmt::Display for Groups {
    /// The groups as mentions: `<@&1>, <@&2>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mentions: Vec<String> = self.roles().iter().map(|r| format!("<@&{r}>")).collect();
        f.write_str(&mentions.join(", "))
    }
}

/// Which group each approval signs for: for each group in order, the user id of the approver
/// who signs for it, or `None` while it is missing. `approvers` are (user id, roles held now),
/// in the order they approved; each signs for at most one group.
pub fn sign(groups: &Groups, approvers: &[(u64, Vec<u64>)]) -> Vec<(u64, Option<u64>)> {
    let roles = groups.roles();
    // For each group, the index of the approver signing for it.
    let mut signer: Vec<Option<usize>> = vec![None; roles.len()];
    for approver in 0..approvers.len() {
        let mut seen = vec![false; roles.len()];
        place(approver, roles, approvers, &mut signer, &mut seen);
    }
    roles.iter().zip(signer).map(|(&role, who)| (role, who.map(|i| approvers[i].0))).collect()
}

/// Finds a group for `approver`, moving earlier placements along where that frees one (an
/// augmenting path); `false` when no group can take them.
fn place(
    approver: usize,
    roles: &[u64],
    approvers: &[(u64, Vec<u64>)],
    signer: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for (group, role) in roles.iter().enumerate() {
        if seen[group] || !approvers[approver].1.contains(role) {
            continue;
        }
        seen[group] = true;
        let free = match signer[group] {
            None => true,
            Some(other) => place(other, roles, approvers, signer, seen),
        };
        if free {
            signer[group] = Some(approver);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const ART: u64 = 11;
    const LEGAL: u64 = 12;

    fn groups() -> Groups {
        Groups::new(&[ART, LEGAL]).unwrap()
    }

    #[test]
    fn one_member_of_each_group_signs_both() {
        let signed = sign(&groups(), &[(1, vec![ART]), (2, vec![LEGAL])]);
        assert_eq!(signed, [(ART, Some(1)), (LEGAL, Some(2))]);
    }

    #[test]
    fn a_member_holding_both_roles_signs_for_one_only() {
        let signed = sign(&groups(), &[(1, vec![ART, LEGAL])]);
        assert_eq!(signed, [(ART, Some(1)), (LEGAL, None)], "one group still missing");
        // The next approval of either group completes it: the first signer moves over.
        let signed = sign(&groups(), &[(1, vec![ART, LEGAL]), (2, vec![ART])]);
        assert_eq!(signed, [(ART, Some(2)), (LEGAL, Some(1))]);
    }

    #[test]
    fn two_members_of_one_group_leave_the_other_missing() {
        let signed = sign(&groups(), &[(1, vec![ART]), (2, vec![ART]), (3, vec![99])]);
        assert_eq!(signed, [(ART, Some(1)), (LEGAL, None)]);
    }

    #[test]
    fn groups_are_at_most_five_without_repeats_and_round_trip_through_their_column() {
        assert_eq!(Groups::new(&[1, 2, 2, 3]).unwrap().roles(), [1, 2, 3]);
        assert!(Groups::new(&[1, 2, 3, 4, 5, 6]).is_none());
        assert!(Groups::new(&[0]).is_none());
        let g = groups();
        assert_eq!(g.to_column().as_deref(), Some("11,12"));
        assert_eq!(Groups::from_column(g.to_column().as_deref()), Some(g));
        assert_eq!(Groups::from_column(None), Some(Groups::default()));
        assert_eq!(Groups::from_column(Some("x")), None);
        assert_eq!(g.to_string(), "<@&11>, <@&12>");
    }
}
