-- Nothing an analyst does may lose or overwrite a decision (issue 18): each review decision keeps
-- when it was made (a workbook row's own "decided at", else the workbook's made-at; the moment at
-- the terminal) and who recorded it (--by) beside the reviewer it names, so an older copy of a
-- workbook cannot overwrite a newer decision. Each list entry says whether an identity match
-- involving the person still awaited clerical review when the list was made.

ALTER TABLE review.decision ADD COLUMN made_at TIMESTAMP;       -- when the decision was made
ALTER TABLE review.decision ADD COLUMN recorded_by VARCHAR;     -- who imported or entered it
UPDATE review.decision SET made_at = recorded_at WHERE made_at IS NULL;

ALTER TABLE lists.entry ADD COLUMN identity_review BOOLEAN;    -- NULL: made before the check
