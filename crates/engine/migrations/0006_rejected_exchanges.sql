-- Rejected requests (no valid SCIM key: a 401, or a 404/405 sent without the key) are captured
-- cheaply and folded: one row stands for `fold_count` requests from one client with one
-- User-Agent and one reason, the first kept (cut to a few KiB), `last_at` the latest. They have
-- their own retention, so a flood of them never evicts an authenticated exchange.
ALTER TABLE exchanges ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exchanges ADD COLUMN fold_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE exchanges ADD COLUMN last_at TEXT;
-- Retention walks each class newest first.
CREATE INDEX exchanges_rejected ON exchanges (rejected, id);
-- Exchanges captured before this migration: every 401 was a rejected request (each its own fold).
UPDATE exchanges SET rejected = 1, last_at = at WHERE status = 401;
