-- Unique names (userName, a group's displayName) compare Unicode-normalised (NFC) and
-- case-folded from now on (issue 11 §7): "José" in NFC and NFD, or K and the Kelvin sign, are
-- one name. Earlier versions stored lower(name) in name_folded. SQLite has neither NFC nor
-- Unicode case folding, so this migration only leaves a mark: Store::open sees it right after
-- the migrations and recomputes name_folded for every row in Rust (store/resources.rs,
-- refold_names), removing the mark in the same transaction. Two existing rows whose names only
-- now fold alike are both kept: the older keeps the name, the newer is parked (a warning names
-- both). The same pass drops any password an earlier version stored inside an extension.
INSERT INTO settings (key, value) VALUES ('name_fold_pending', '0007')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
