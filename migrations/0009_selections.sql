-- Selection gates (`user-selection` nodes) are rows of `approvals` too: their snapshot holds the
-- candidates. A claim on one records the picks it sends: zero-based candidate indices as a JSON
-- array, in the order they were picked (NULL for approval gates).
ALTER TABLE approvals ADD COLUMN picks TEXT;

-- Each reviewer's current choice in a selection card's menus. A choice decides nothing: Confirm
-- sends the confirming reviewer's choice. Kept here, not in memory, so a restart loses none.
CREATE TABLE selection_choices (
    approval_id BIGINT NOT NULL REFERENCES approvals (id),
    reviewer_id BIGINT NOT NULL, -- Discord user id
    picks       TEXT   NOT NULL, -- JSON array of zero-based candidate indices, in pick order
    chosen_at   BIGINT NOT NULL, -- unix milliseconds
    PRIMARY KEY (approval_id, reviewer_id)
);
