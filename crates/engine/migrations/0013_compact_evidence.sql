-- Compact evidence (issue 16): a captured exchange's bodies, headers, before and after, auth
-- summary and IdP reason, framed and deflated as one stream (store/evidence.rs; the first byte
-- names the format). Rows written from now on hold `evidence` and leave those plain columns
-- empty ('' or NULL); rows written before keep their plain columns and `evidence IS NULL`, and
-- are read as they always were: nothing is rewritten. An Entra exchange went from 3.5 KB on
-- disk to under 1 KB (docs/benchmarks.md, "Stored size of an exchange").
ALTER TABLE exchanges ADD COLUMN evidence BLOB;
