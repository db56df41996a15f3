-- The IdP that created each resource, kept on the resource (set by the capture writer when it
-- stores the successful create), so the Users list filters and shows it without probing the
-- capture log per row (1.2 s at 100 000 users before). Existing rows: the IdP of their create
-- exchange, else of the latest exchange that touched them; NULL (shown as `other`) when none.
ALTER TABLE resources ADD COLUMN created_by TEXT;
UPDATE resources SET created_by = COALESCE(
    (SELECT e.idp FROM exchanges e
      WHERE e.resource_id = resources.id AND e.operation = 'create' AND e.status = 201
      ORDER BY e.id LIMIT 1),
    (SELECT e.idp FROM exchanges e
      WHERE e.resource_id = resources.id AND e.idp != 'other'
      ORDER BY e.id DESC LIMIT 1));
CREATE INDEX resources_kind_created_by ON resources (kind, created_by);

-- What the timeline and the true totals read of every exchange, in one covering index: an
-- index-only walk instead of reading 100 000 rows with their bodies (0.4 s before).
CREATE INDEX exchanges_outline ON exchanges (id, at, idp, operation, status, rejected, fold_count);
