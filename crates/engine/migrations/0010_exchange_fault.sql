-- The fault rule that answered an exchange (JSON: rule id, name, what it did), so Traffic marks
-- rehearsed failures and the checklist can tell ScimLab's faults from the app's own answers.
ALTER TABLE exchanges ADD COLUMN fault TEXT;

-- A request a fault answered before any handler (a create refused on purpose) names no resource
-- id, only the userName the rule matched: the user's timeline finds those attempts by name. Few
-- rows, so a partial index.
CREATE INDEX exchanges_faulted_name ON exchanges (resource_name, id)
  WHERE fault IS NOT NULL AND resource_id IS NULL;
