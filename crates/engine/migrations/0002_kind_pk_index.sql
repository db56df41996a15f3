-- Deep pages (Okta imports page through every user with count=100) step over OFFSET rows:
-- with this index they step over small index entries instead of whole resource rows.
CREATE INDEX resources_kind_pk ON resources (kind, pk);
