-- The Users list ordered by last modified (issue 16): without an index, a page of that order
-- scanned and sorted every user's row (55–95 ms at 100 000 users, over the 50 ms an admin read
-- may take). With it, a page walks the index from its end and stops at the page (under 1 ms;
-- 26 ms when a filter matches nobody and the whole index is walked).
--
-- The cost is on writes: a user's create or update moves its entry (the new one always lands
-- on the index's last page, the old one is removed wherever it was), one or two pages more in
-- the write's transaction. The other orders stay without an index (migration 0015).
CREATE INDEX user_list_modified ON user_list (modified);
