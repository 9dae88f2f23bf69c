use super::*;

#[test]
fn the_roles_needed_are_named_as_mentions() {
    assert_eq!(needed_roles(&[]), "the Manage Server permission");
    assert_eq!(needed_roles(&[RoleId::new(1)]), "the <@&1> role");
    assert_eq!(
        needed_roles(&[RoleId::new(1), RoleId::new(2), RoleId::new(3)]),
        "the <@&1>, <@&2> or <@&3> role"
    );
}

#[test]
fn every_refusal_says_what_became_of_the_request() {
    let refusals = [
        Refusal::Unknown(Control::Menu),
        Refusal::NotReviewer { needed: vec![RoleId::new(7)] },
        Refusal::ApprovedAgain { counted: 1, required: 3, groups: Vec::new() },
        Refusal::ConfirmedAgain { picks: vec![0, 2], counted: 1, required: 2, groups: Vec::new() },
        Refusal::NoPicks { bounds: "2 to 3".into() },
        Refusal::Missing(Missing::Run),
        Refusal::BadOption { option: "approvals", why: "must be 1 to 5".into() },
        Refusal::OwnRun { needed: vec![RoleId::new(7)] },
    ];
    for refusal in refusals {
        let text = refusal.to_string();
        assert!(text.to_lowercase().contains("nothing was"), "{}: {text}", refusal.code());
    }
}

#[test]
fn a_tally_names_how_many_more_it_waits_for() {
    let again = Refusal::ApprovedAgain { counted: 1, required: 3, groups: Vec::new() }.to_string();
    assert_eq!(
        again,
        "You have approved this gate already (1 of 3 so far); it waits for 2 more reviewers. Nothing was changed."
    );
    assert_eq!(more(2, 3), "1 more reviewer");
}
