-- Review rules. A reviewer's note with an approval: under a quorum it is kept with the vote
-- (the card's tally shows it); the approval that decides carries it as the claim's reason.
ALTER TABLE approval_votes ADD COLUMN note TEXT;
