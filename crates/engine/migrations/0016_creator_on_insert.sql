-- A successful create names the IdP that created its resource (`resources.created_by`), once,
-- in the statement that stores the create's exchange: the capture writer used to send this
-- UPDATE as a statement of its own per create, one more hand-over to SQLite's thread
-- (about 45 µs of CPU each) on the path every acknowledged create waits for.
CREATE TRIGGER resources_created_by AFTER INSERT ON exchanges
WHEN NEW.operation = 'create' AND NEW.status = 201 AND NEW.resource_id IS NOT NULL
BEGIN
    UPDATE resources SET created_by = NEW.idp
        WHERE id = NEW.resource_id AND created_by IS NULL;
END;
