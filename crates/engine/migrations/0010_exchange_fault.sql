-- The fault rule that answered an exchange (JSON: rule id, name, what it did), so Traffic marks
-- rehearsed failures and the checklist can tell ScimLab's faults from the app's own answers.
ALTER TABLE exchanges ADD COLUMN fault TEXT;
