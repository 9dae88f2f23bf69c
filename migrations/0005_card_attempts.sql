-- When the bridge first tried to post a card whose message id it does not know yet. Discord's
-- nonce de-duplication lasts only minutes: a retry after longer looks for the card in the
-- channel first, so a crash between post and store never doubles a card.
ALTER TABLE approvals ADD COLUMN card_attempted_at INTEGER;
