-- The change feed of the admin views' materialised mapping results: which users' mapping inputs
-- changed, in order (`seq`), so only those users are evaluated again. Triggers write it, so no
-- write path can forget one: a user's row inserted, updated (attributes, version, created_by)
-- or deleted; a membership of it added or removed; its group renamed (`groups[].display`); an
-- exchange naming it stored or pruned while its creator is still read from the capture log.
-- Only the newest rows are kept (the cap trigger); `user_changes_floor` holds the newest `seq`
-- forgotten, so a reader whose cursor is below it knows to read every user again.
CREATE TABLE user_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_pk INTEGER NOT NULL
);
CREATE TABLE user_changes_floor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO user_changes_floor (id, seq) VALUES (1, 0);

-- Every thousandth change, forget what is more than 50 000 changes old.
CREATE TRIGGER user_changes_cap AFTER INSERT ON user_changes
WHEN NEW.seq % 1000 = 0
BEGIN
    UPDATE user_changes_floor SET seq = NEW.seq - 50000 WHERE seq < NEW.seq - 50000;
    DELETE FROM user_changes WHERE seq <= NEW.seq - 50000;
END;

CREATE TRIGGER user_changes_inserted AFTER INSERT ON resources
WHEN NEW.kind = 'User'
BEGIN
    INSERT INTO user_changes (user_pk) VALUES (NEW.pk);
END;

CREATE TRIGGER user_changes_updated AFTER UPDATE ON resources
WHEN NEW.kind = 'User'
BEGIN
    INSERT INTO user_changes (user_pk) VALUES (NEW.pk);
END;

CREATE TRIGGER user_changes_deleted AFTER DELETE ON resources
WHEN OLD.kind = 'User'
BEGIN
    INSERT INTO user_changes (user_pk) VALUES (OLD.pk);
END;

CREATE TRIGGER user_changes_joined AFTER INSERT ON group_members
BEGIN
    INSERT INTO user_changes (user_pk)
        SELECT pk FROM resources WHERE id = NEW.value AND kind = 'User';
END;

CREATE TRIGGER user_changes_left AFTER DELETE ON group_members
BEGIN
    INSERT INTO user_changes (user_pk)
        SELECT pk FROM resources WHERE id = OLD.value AND kind = 'User';
END;

CREATE TRIGGER user_changes_group_renamed AFTER UPDATE OF display_name ON resources
WHEN NEW.kind = 'Group' AND NEW.display_name IS NOT OLD.display_name
BEGIN
    INSERT INTO user_changes (user_pk)
        SELECT r.pk FROM group_members m JOIN resources r ON r.id = m.value AND r.kind = 'User'
        WHERE m.group_pk = NEW.pk;
END;

-- A user without `created_by` takes its creator from the newest exchange naming it.
CREATE TRIGGER user_changes_exchange_stored AFTER INSERT ON exchanges
WHEN NEW.resource_id IS NOT NULL AND NEW.idp != 'other'
BEGIN
    INSERT INTO user_changes (user_pk)
        SELECT pk FROM resources
        WHERE id = NEW.resource_id AND kind = 'User' AND created_by IS NULL;
END;

CREATE TRIGGER user_changes_exchange_pruned AFTER DELETE ON exchanges
WHEN OLD.resource_id IS NOT NULL AND OLD.idp != 'other'
BEGIN
    INSERT INTO user_changes (user_pk)
        SELECT pk FROM resources
        WHERE id = OLD.resource_id AND kind = 'User' AND created_by IS NULL;
END;

-- The admin views' window of an IdP's newest exchanges notices folds of rejected requests that
-- grew (`fold_count`) from this index alone.
CREATE INDEX exchanges_folds ON exchanges (rejected, idp, id, fold_count);
