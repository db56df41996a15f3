-- The admin's Users list at 100 000 users (issue 16): what the list filters, sorts and searches
-- on, one narrow row per user kept by triggers, so `/api/users` reads an index or a small table
-- instead of every user's stored JSON.
--
-- `user_list` holds, per user row of `resources` (same pk):
--   creator  the IdP that created it, 'other' where no create was captured (as the list filters)
--   active   1 or 0 as the list filters `active`: the stored JSON boolean, or the string an IdP
--            sent ("False"); absent counts as active
--   name_key / display_key / modified   the three sort keys other than creation order
--   search   the text the search box reads ("user name, name, email or id"): userName,
--            displayName, the name's parts, every email, externalId, lowercased (ASCII, as
--            SQLite's lower() folds). The id is matched exactly, from `resources`.
-- `user_counts` keeps how many users each (creator, active) pair has, so a list's total needs
-- no count of rows unless it is searched.
CREATE TABLE user_list (
    pk          INTEGER PRIMARY KEY,
    creator     TEXT NOT NULL,
    active      INTEGER NOT NULL,
    name_key    TEXT NOT NULL,
    display_key TEXT NOT NULL,
    modified    TEXT NOT NULL,
    search      TEXT NOT NULL
);
-- No index on user_list: each would dirty one more page in every user write's transaction
-- (measured: three sort indexes and a filter index cost creates about a fifth of their rate).
-- A page walks the narrow rows instead (creation order: the table's own order; the other
-- orders: a scan keeping the page's top rows), tens of milliseconds at 100 000 users.

CREATE TABLE user_counts (
    creator TEXT NOT NULL,
    active  INTEGER NOT NULL,
    users   INTEGER NOT NULL,
    PRIMARY KEY (creator, active)
) WITHOUT ROWID;

-- One place that says how a `resources` row becomes its `user_list` row: a view the triggers
-- and the backfill below read. Attributes that are not valid JSON read as `{}` (never an error:
-- a trigger's error would refuse the write), and only object emails have a `value`.
CREATE VIEW user_list_source AS
SELECT r.pk AS pk,
       COALESCE(r.created_by, 'other') AS creator,
       COALESCE(lower(CAST(json_extract(r.j, '$.active') AS TEXT)) NOT IN ('0', 'false'), 1) AS active,
       r.name_folded AS name_key,
       lower(COALESCE(r.display_name, r.name_folded)) AS display_key,
       r.last_modified AS modified,
       -- each part once: a given or family name already in the display name, a formatted
       -- name equal to it, an email equal to the userName add nothing to find
       lower(r.name_folded
             || COALESCE(char(10) || r.display_name, '')
             || COALESCE(char(10) || nullif(r.given, '') , '')
             || COALESCE(char(10) || nullif(r.family, ''), '')
             || COALESCE(char(10) || r.formatted, '')
             || COALESCE(char(10) || (SELECT group_concat(v, char(10)) FROM
                    (SELECT json_extract(e.value, '$.value') AS v FROM json_each(r.j, '$.emails') e
                     WHERE e.type = 'object') WHERE lower(v) IS NOT r.name_folded), '')
             || COALESCE(char(10) || r.external_id, '')) AS search
FROM (SELECT q.*,
             CASE WHEN instr(lower(q.display_name), lower(json_extract(q.j, '$.name.givenName'))) > 0
                  THEN NULL ELSE json_extract(q.j, '$.name.givenName') END AS given,
             CASE WHEN instr(lower(q.display_name), lower(json_extract(q.j, '$.name.familyName'))) > 0
                  THEN NULL ELSE json_extract(q.j, '$.name.familyName') END AS family,
             nullif(json_extract(q.j, '$.name.formatted'), q.display_name) AS formatted
      FROM (SELECT pk, kind, created_by, name_folded, display_name, external_id, last_modified,
                   CASE WHEN json_valid(attributes) THEN attributes ELSE '{}' END AS j
            FROM resources) q) r
WHERE r.kind = 'User';

CREATE TRIGGER user_counts_listed AFTER INSERT ON user_list
BEGIN
    INSERT INTO user_counts (creator, active, users) VALUES (NEW.creator, NEW.active, 1)
        ON CONFLICT (creator, active) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER user_counts_unlisted AFTER DELETE ON user_list
BEGIN
    UPDATE user_counts SET users = users - 1 WHERE creator = OLD.creator AND active = OLD.active;
END;

CREATE TRIGGER user_counts_moved AFTER UPDATE OF creator, active ON user_list
WHEN NEW.creator IS NOT OLD.creator OR NEW.active IS NOT OLD.active
BEGIN
    UPDATE user_counts SET users = users - 1 WHERE creator = OLD.creator AND active = OLD.active;
    INSERT INTO user_counts (creator, active, users) VALUES (NEW.creator, NEW.active, 1)
        ON CONFLICT (creator, active) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER user_list_inserted AFTER INSERT ON resources
WHEN NEW.kind = 'User'
BEGIN
    INSERT INTO user_list (pk, creator, active, name_key, display_key, modified, search)
        SELECT pk, creator, active, name_key, display_key, modified, search
        FROM user_list_source WHERE pk = NEW.pk;
END;

-- Updates set only what changed, each from the columns it depends on: a column left out of an
-- UPDATE's SET leaves the indexes holding it alone, so a PATCH that renames nobody and does not
-- change `active` rewrites the row's search text and its `modified` entry, nothing else; the
-- capture writer naming a user's creator moves the counts and nothing else.
CREATE TRIGGER user_list_attributes AFTER UPDATE OF attributes, name_folded, display_name, external_id ON resources
WHEN NEW.kind = 'User'
BEGIN
    UPDATE user_list SET search = (SELECT search FROM user_list_source WHERE pk = NEW.pk)
        WHERE pk = NEW.pk;
    UPDATE user_list SET active = (SELECT active FROM user_list_source WHERE pk = NEW.pk)
        WHERE pk = NEW.pk AND active IS NOT (SELECT active FROM user_list_source WHERE pk = NEW.pk);
END;

CREATE TRIGGER user_list_modified AFTER UPDATE OF last_modified ON resources
WHEN NEW.kind = 'User' AND NEW.last_modified IS NOT OLD.last_modified
BEGIN
    UPDATE user_list SET modified = NEW.last_modified WHERE pk = NEW.pk;
END;

CREATE TRIGGER user_list_creator AFTER UPDATE OF created_by ON resources
WHEN NEW.kind = 'User' AND NEW.created_by IS NOT OLD.created_by
BEGIN
    UPDATE user_list SET creator = COALESCE(NEW.created_by, 'other') WHERE pk = NEW.pk;
END;

CREATE TRIGGER user_list_renamed AFTER UPDATE OF name_folded, display_name ON resources
WHEN NEW.kind = 'User'
     AND (NEW.name_folded IS NOT OLD.name_folded OR NEW.display_name IS NOT OLD.display_name)
BEGIN
    UPDATE user_list SET (name_key, display_key) =
        (SELECT name_key, display_key FROM user_list_source WHERE pk = NEW.pk)
        WHERE pk = NEW.pk;
END;

CREATE TRIGGER user_list_deleted AFTER DELETE ON resources
WHEN OLD.kind = 'User'
BEGIN
    DELETE FROM user_list WHERE pk = OLD.pk;
END;

INSERT INTO user_list (pk, creator, active, name_key, display_key, modified, search)
    SELECT pk, creator, active, name_key, display_key, modified, search FROM user_list_source;
