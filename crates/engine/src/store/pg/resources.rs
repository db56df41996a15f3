//! PostgreSQL: users and groups rows — insert, read, update, touch, delete, count, page and
//! indexed lookups; see `store/resources.rs` for the promises (folded unique names, versions,
//! rows that cannot be read back whole) and the helpers both backends share. The admin's user
//! search is in `pg/user_list.rs`.
//!
//! Differences from SQLite the SQL absorbs:
//! - a refused insert must not abort the writer's transaction (PostgreSQL refuses every later
//!   statement of a transaction after an error): inserts use `ON CONFLICT DO NOTHING` and say
//!   [`StoreError::Conflict`] when no row came back; a rename, the one update that can break the
//!   unique index, runs in a savepoint;
//! - a PostgreSQL schema is always created folded, so no row is ever parked
//!   (`refold_names` is SQLite history) and a name lookup is one equality;
//! - `TEXT` cannot hold NUL, which SQLite keeps: see [`storable`].
//!
//! **Lookups by id name the id alone** (the kind is checked on the row found), so that only the
//! unique index on `id` can answer them: a plan PostgreSQL caches while the table is young (no
//! statistics yet) can otherwise answer `id = $1 AND kind = $2` by walking a `(kind, …)` index,
//! a read of every user per lookup until the statistics arrive.

use crate::model::{Idp, ResourceId};
use crate::store::api::ResourceStore;
use crate::store::resources::{
    COLUMNS, IndexHint, ResourceColumns, SqlOrder, StoredResource, UserSearch, fold, kind_str,
    name_attr, str_attr,
};
use crate::store::{Result, StoreError, conflict_or};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, Row};
use std::borrow::Cow;

/// `text` as a PostgreSQL `TEXT` can hold it: a NUL (which SQLite stores, and a client may send
/// in a displayName, an externalId, a member's value or a URL) becomes U+FFFD, both where a
/// value is written and where one is looked up, so such a write is stored instead of failing
/// and a lookup answers instead of failing. The stored JSON keeps the NUL (escaped).
pub(in crate::store) fn storable(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`storable`] of each of `texts`, to bind as an array.
pub(super) fn storable_all<S: AsRef<str>>(texts: &[S]) -> Vec<Cow<'_, str>> {
    texts.iter().map(|t| storable(t.as_ref())).collect()
}

/// A `LIMIT` as SQLite reads it: a negative limit is no limit (`LIMIT NULL` on PostgreSQL,
/// which refuses a negative one).
pub(super) fn no_limit_if_negative(limit: i64) -> Option<i64> {
    (limit >= 0).then_some(limit)
}

/// Read a row of [`COLUMNS`] (by position, in that order), as the SQLite backend does.
pub(super) fn row_to_resource(row: &PgRow) -> Result<StoredResource> {
    ResourceColumns {
        pk: row.try_get(0)?,
        kind: row.try_get(1)?,
        id: row.try_get(2)?,
        attributes: row.try_get(4)?,
        version: row.try_get(5)?,
        created: row.try_get(6)?,
        last_modified: row.try_get(7)?,
    }
    .into_resource(|| Ok(row.try_get(3)?))
}

/// Whether a row of [`COLUMNS`] is of `kind`.
fn is_kind(row: &PgRow, kind: ResourceKind) -> Result<bool> {
    Ok(row.try_get::<&str, _>(1)? == kind_str(kind))
}

/// The stored JSON of `attributes`, as the SQLite backend writes it (compact, in order).
fn json_text(attributes: &Map<String, Value>) -> Result<String> {
    serde_json::to_string(attributes).map_err(|e| StoreError::Sqlx(sqlx::Error::Encode(e.into())))
}

/// Rewrite the row `pk` (see [`ResourceStore::update_resource`]); `folded` is `None` when the
/// name keeps its fold.
async fn update_row(
    conn: &mut PgConnection,
    pk: i64,
    folded: Option<&str>,
    attributes: &Map<String, Value>,
    json: String,
    now: &str,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE resources SET name_folded = COALESCE($1, name_folded), external_id = $2,
         display_name = $3, attributes = $4, version = version + 1, last_modified = $5
         WHERE pk = $6",
    )
    .bind(folded.map(storable))
    .bind(str_attr(attributes, "externalId").map(storable))
    .bind(str_attr(attributes, "displayName").map(storable))
    .bind(json)
    .bind(now)
    .bind(pk)
    .execute(conn)
    .await?;
    Ok(())
}

impl ResourceStore for PgConnection {
    async fn insert_resource(
        &mut self,
        kind: ResourceKind,
        id: &ResourceId,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        let name = str_attr(attributes, name_attr(kind)).unwrap_or_default();
        let json = json_text(attributes)?;
        // A taken name or id inserts nothing and raises nothing: the transaction goes on.
        let pk: Option<i64> = sqlx::query_scalar(
            "INSERT INTO resources (kind, id, name_folded, external_id, display_name, attributes,
                                    version, created, last_modified)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)
             ON CONFLICT DO NOTHING RETURNING pk",
        )
        .bind(kind_str(kind))
        .bind(storable(id.as_str()))
        .bind(storable(&fold(name)))
        .bind(str_attr(attributes, "externalId").map(storable))
        .bind(str_attr(attributes, "displayName").map(storable))
        .bind(json)
        .bind(now)
        .fetch_optional(&mut *self)
        .await?;
        let Some(pk) = pk else {
            return Err(StoreError::Conflict {
                field: name_attr(kind),
                value: name.to_owned(),
            });
        };
        super::analyze_when_grown(self, &[pk], "resources, user_list, group_members").await?;
        Ok(StoredResource {
            pk,
            id: id.clone(),
            kind,
            attributes: attributes.clone(),
            version: 1,
            created: now.to_owned(),
            last_modified: now.to_owned(),
            unreadable: None,
        })
    }

    async fn update_resource(
        &mut self,
        current: &StoredResource,
        attributes: &Map<String, Value>,
        now: &str,
    ) -> Result<StoredResource> {
        let kind = current.kind;
        let name = str_attr(attributes, name_attr(kind)).unwrap_or_default();
        let folded = fold(name);
        let same_name = current.unreadable.is_none()
            && str_attr(&current.attributes, name_attr(kind)).is_some_and(|n| fold(n) == folded);
        let json = json_text(attributes)?;
        if same_name {
            update_row(self, current.pk, None, attributes, json, now).await?;
        } else {
            // A rename may hit the unique index: in a savepoint, so that a refusal leaves the
            // writer's transaction usable (as on SQLite).
            let mut tx = Connection::begin(&mut *self).await?;
            update_row(&mut tx, current.pk, Some(&folded), attributes, json, now)
                .await
                .map_err(|e| conflict_or(e, name_attr(kind), name))?;
            tx.commit().await?;
        }
        Ok(StoredResource {
            attributes: attributes.clone(),
            version: current.version + 1,
            last_modified: now.to_owned(),
            unreadable: None,
            ..current.clone()
        })
    }

    async fn touch_resources(&mut self, pks: &[i64], now: &str) -> Result<()> {
        if pks.is_empty() {
            return Ok(());
        }
        // One statement; a row named twice grows twice, as SQLite's update per pk does.
        sqlx::query(
            "UPDATE resources r SET version = r.version + t.n, last_modified = $1
             FROM (SELECT pk, COUNT(*) AS n FROM UNNEST($2::bigint[]) AS u(pk) GROUP BY pk) t
             WHERE r.pk = t.pk",
        )
        .bind(now)
        .bind(pks)
        .execute(self)
        .await?;
        Ok(())
    }

    async fn touch_users(&mut self, ids: &[String], now: &str) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        // One statement; a user named twice grows twice, as SQLite's update per id does. Each
        // id is looked up alone (`OFFSET 0` keeps the kind test out of it: see the module docs).
        sqlx::query(
            "UPDATE resources r SET version = r.version + t.n, last_modified = $1
             FROM (SELECT id, COUNT(*) AS n FROM UNNEST($2::text[]) AS u(id) GROUP BY id) t
             CROSS JOIN LATERAL (SELECT pk, kind FROM resources WHERE id = t.id OFFSET 0) f
             WHERE r.pk = f.pk AND f.kind = 'User'",
        )
        .bind(now)
        .bind(storable_all(ids))
        .execute(self)
        .await?;
        Ok(())
    }

    async fn resource(&mut self, kind: ResourceKind, id: &str) -> Result<Option<StoredResource>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM resources WHERE id = $1"))
            .bind(storable(id))
            .fetch_optional(self)
            .await?;
        match row {
            Some(row) if is_kind(&row, kind)? => row_to_resource(&row).map(Some),
            _ => Ok(None),
        }
    }

    async fn delete_resource(&mut self, kind: ResourceKind, id: &str) -> Result<bool> {
        // Found by id alone, deleted by key when of `kind` (see the module docs).
        let done = sqlx::query(
            "WITH found AS MATERIALIZED (SELECT pk, kind FROM resources WHERE id = $1)
             DELETE FROM resources r USING found WHERE r.pk = found.pk AND found.kind = $2",
        )
        .bind(storable(id))
        .bind(kind_str(kind))
        .execute(self)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn count_resources(&mut self, kind: ResourceKind) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE kind = $1")
                .bind(kind_str(kind))
                .fetch_one(self)
                .await?,
        )
    }

    async fn resource_page(
        &mut self,
        kind: ResourceKind,
        order: SqlOrder,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        let dir = if descending { "DESC" } else { "ASC" };
        // `name_folded` is unique per kind, so both orders are total. The page's keys are found in
        // the (kind, pk) / (kind, name_folded) INCLUDE (pk) index alone (an index-only scan over
        // the skipped rows); only the rows of the page are read.
        let order_by = match order {
            SqlOrder::Created => format!("pk {dir}"),
            SqlOrder::Name => format!("name_folded {dir}"),
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE pk IN
               (SELECT pk FROM resources WHERE kind = $1 ORDER BY {order_by} LIMIT $2 OFFSET $3)
             ORDER BY {order_by}"
        ))
        .bind(kind_str(kind))
        .bind(no_limit_if_negative(limit))
        .bind(offset.max(0))
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }

    async fn search_users(&mut self, q: &UserSearch) -> Result<(i64, Vec<(StoredResource, Idp)>)> {
        super::user_list::search(self, q).await
    }

    async fn lookup_resources(
        &mut self,
        kind: ResourceKind,
        hint: &IndexHint,
    ) -> Result<Vec<StoredResource>> {
        // No row is parked on PostgreSQL (see the module docs): a name is one equality.
        let folded;
        let (column, value) = match hint {
            IndexHint::Id(v) => return Ok(self.resource(kind, v).await?.into_iter().collect()),
            IndexHint::Name(v) => {
                folded = fold(v);
                ("name_folded", storable(&folded))
            }
            IndexHint::ExternalId(v) => ("external_id", storable(v)),
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = $1 AND {column} = $2 ORDER BY pk"
        ))
        .bind(kind_str(kind))
        .bind(value)
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }

    async fn all_resources(&mut self, kind: ResourceKind) -> Result<Vec<StoredResource>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = $1 ORDER BY pk"
        ))
        .bind(kind_str(kind))
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::pg::PgStore;
    use scimlab_testdb as testdb;

    #[test]
    fn nul_becomes_the_replacement_character() {
        assert!(matches!(storable("plain"), Cow::Borrowed("plain")));
        assert_eq!(storable("a\0b\0"), "a\u{fffd}b\u{fffd}");
        assert_eq!(storable_all(&["x\0", "y"]), ["x\u{fffd}", "y"]);
    }

    #[test]
    fn a_negative_limit_is_no_limit() {
        assert_eq!(no_limit_if_negative(-1), None);
        assert_eq!(no_limit_if_negative(0), Some(0));
        assert_eq!(no_limit_if_negative(100), Some(100));
    }

    /// A row whose stored JSON cannot be read back is served with what can be, its name put back
    /// from `name_folded` (read by position), as on SQLite; the user list reads it as `{}`.
    #[tokio::test]
    async fn an_unreadable_row_is_read_with_what_can_be() {
        let store = PgStore::open(testdb::url(), &testdb::fresh_schema("pgres"), 2)
            .await
            .unwrap();
        let mut w = store.write().await.unwrap();
        sqlx::query(
            "INSERT INTO resources (kind, id, name_folded, attributes, version, created,
                                    last_modified)
             VALUES ('User', 'bad', 'ada@x', '{\"active\": false, \"x\": [}', 3, 't', 't')",
        )
        .execute(&mut *w)
        .await
        .unwrap();
        w.commit().await.unwrap();
        let mut r = store.read().await.unwrap();
        let row = r
            .resource(ResourceKind::User, "bad")
            .await
            .unwrap()
            .unwrap();
        assert!(row.unreadable.is_some());
        assert_eq!(row.attributes["userName"], "ada@x");
        assert_eq!(row.version, 3);
        let (total, _) = r
            .search_users(&UserSearch {
                active: Some(true),
                limit: 10,
                ..UserSearch::default()
            })
            .await
            .unwrap();
        assert_eq!(total, 1, "listed as its json reads: {{}}, so active");
    }
}
