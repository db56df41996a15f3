//! Users and Groups rows: insert, read, update, delete, count, page, and indexed lookups.
//!
//! Both resource types share one table (`resources`, see `migrations/0001_init.sql`); `kind`
//! tells them apart. The columns the server looks up by (`id`, folded `userName`/`displayName`,
//! `externalId`) are derived here from the attributes on every write, so they can never drift.

use super::{Conn, Result, StoreError, conflict_or};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// One stored resource. `attributes` holds `schemas` and every stored attribute, but never `id`,
/// `meta`, a user's `groups` or a group's `members` (those live in columns and `group_members`).
#[derive(Debug, Clone)]
pub struct StoredResource {
    /// Row key (creation order).
    pub pk: i64,
    /// SCIM `id`.
    pub id: String,
    /// User or Group.
    pub kind: ResourceKind,
    /// Stored attributes.
    pub attributes: Map<String, Value>,
    /// Write counter; `meta.version` is `W/"<version>"`.
    pub version: i64,
    /// RFC 3339 creation time.
    pub created: String,
    /// RFC 3339 time of the last write.
    pub last_modified: String,
}

/// An indexed lookup the list code can push down instead of scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexHint {
    /// `id eq "..."`
    Id(String),
    /// `userName eq "..."` (users) or `displayName eq "..."` (groups), case-insensitive.
    Name(String),
    /// `externalId eq "..."`, case-exact.
    ExternalId(String),
}

/// Sort orders that SQL can do with an index or the rowid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlOrder {
    /// Creation order (the default, stable across pages).
    Created,
    /// By folded userName / displayName, then creation order.
    Name,
}

pub(crate) fn kind_str(kind: ResourceKind) -> &'static str {
    kind.name()
}

/// The unique attribute of a kind: `userName` for users, `displayName` for groups.
pub fn name_attr(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    }
}

/// Case-fold a unique name the way the unique index compares it.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

fn str_attr<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attrs.get(key).and_then(Value::as_str)
}

pub(crate) fn row_to_resource(row: &SqliteRow) -> Result<StoredResource> {
    let id: String = row.try_get("id")?;
    let kind_s: String = row.try_get("kind")?;
    let raw: String = row.try_get("attributes")?;
    let attributes = serde_json::from_str(&raw).map_err(|source| StoreError::Corrupt {
        id: id.clone(),
        source,
    })?;
    Ok(StoredResource {
        pk: row.try_get("pk")?,
        kind: if kind_s == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        id,
        attributes,
        version: row.try_get("version")?,
        created: row.try_get("created")?,
        last_modified: row.try_get("last_modified")?,
    })
}

pub(crate) const COLUMNS: &str = "pk, kind, id, attributes, version, created, last_modified";

/// Insert a new resource; a taken unique name or id is [`StoreError::Conflict`].
pub async fn insert(
    conn: &mut Conn,
    kind: ResourceKind,
    id: &str,
    attributes: &Map<String, Value>,
    now: &str,
) -> Result<StoredResource> {
    let name = str_attr(attributes, name_attr(kind)).unwrap_or_default();
    let json = Value::Object(attributes.clone()).to_string();
    let pk: i64 = sqlx::query_scalar(
        "INSERT INTO resources (kind, id, name_folded, external_id, display_name, attributes, version, created, last_modified)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING pk",
    )
    .bind(kind_str(kind))
    .bind(id)
    .bind(fold(name))
    .bind(str_attr(attributes, "externalId"))
    .bind(str_attr(attributes, "displayName"))
    .bind(json)
    .bind(now)
    .bind(now)
    .fetch_one(conn)
    .await
    .map_err(|e| conflict_or(e, name_attr(kind), name))?;
    Ok(StoredResource {
        pk,
        id: id.to_owned(),
        kind,
        attributes: attributes.clone(),
        version: 1,
        created: now.to_owned(),
        last_modified: now.to_owned(),
    })
}

/// Replace the attributes of an existing row and bump its version.
pub async fn update(
    conn: &mut Conn,
    current: &StoredResource,
    attributes: &Map<String, Value>,
    now: &str,
) -> Result<StoredResource> {
    let kind = current.kind;
    let name = str_attr(attributes, name_attr(kind)).unwrap_or_default();
    sqlx::query(
        "UPDATE resources SET name_folded = ?, external_id = ?, display_name = ?, attributes = ?,
         version = version + 1, last_modified = ? WHERE pk = ?",
    )
    .bind(fold(name))
    .bind(str_attr(attributes, "externalId"))
    .bind(str_attr(attributes, "displayName"))
    .bind(Value::Object(attributes.clone()).to_string())
    .bind(now)
    .bind(current.pk)
    .execute(conn)
    .await
    .map_err(|e| conflict_or(e, name_attr(kind), name))?;
    Ok(StoredResource {
        attributes: attributes.clone(),
        version: current.version + 1,
        last_modified: now.to_owned(),
        ..current.clone()
    })
}

/// Bump version and modification time of the rows `pks` without changing attributes (a group
/// whose membership changed because a member was deleted).
pub async fn touch_many(conn: &mut Conn, pks: &[i64], now: &str) -> Result<()> {
    for pk in pks {
        sqlx::query("UPDATE resources SET version = version + 1, last_modified = ? WHERE pk = ?")
            .bind(now)
            .bind(pk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Bump version and modification time of the users with these SCIM ids (their `groups` changed
/// because a group they are in was written). Ids that are not users are ignored.
pub async fn touch_users(conn: &mut Conn, ids: &[String], now: &str) -> Result<()> {
    for id in ids {
        sqlx::query(
            "UPDATE resources SET version = version + 1, last_modified = ? WHERE id = ? AND kind = 'User'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Read one resource of `kind` by SCIM id.
pub async fn get(conn: &mut Conn, kind: ResourceKind, id: &str) -> Result<Option<StoredResource>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resources WHERE id = ? AND kind = ?"
    ))
    .bind(id)
    .bind(kind_str(kind))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(row_to_resource).transpose()
}

/// Delete one resource; `false` when it did not exist. Group rows take their members with them
/// (foreign key cascade); a deleted user is removed from every group by the caller.
pub async fn delete(conn: &mut Conn, kind: ResourceKind, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM resources WHERE id = ? AND kind = ?")
        .bind(id)
        .bind(kind_str(kind))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Number of resources of `kind`.
pub async fn count(conn: &mut Conn, kind: ResourceKind) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE kind = ?")
            .bind(kind_str(kind))
            .fetch_one(conn)
            .await?,
    )
}

/// One page of resources of `kind` in `order` (paging done in SQL).
pub async fn page(
    conn: &mut Conn,
    kind: ResourceKind,
    order: SqlOrder,
    descending: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<StoredResource>> {
    let dir = if descending { "DESC" } else { "ASC" };
    // `name_folded` is unique per kind, so both orders are total. The page's keys are found in
    // the (kind, pk) / (kind, name_folded) index alone; only the 100 rows of the page are read.
    let order_by = match order {
        SqlOrder::Created => format!("pk {dir}"),
        SqlOrder::Name => format!("name_folded {dir}"),
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resources WHERE pk IN
           (SELECT pk FROM resources WHERE kind = ? ORDER BY {order_by} LIMIT ? OFFSET ?)
         ORDER BY {order_by}"
    ))
    .bind(kind_str(kind))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    rows.iter().map(row_to_resource).collect()
}

/// Resources matching an indexed lookup, in creation order.
pub async fn lookup(
    conn: &mut Conn,
    kind: ResourceKind,
    hint: &IndexHint,
) -> Result<Vec<StoredResource>> {
    let (column, value) = match hint {
        IndexHint::Id(v) => ("id", v.clone()),
        IndexHint::Name(v) => ("name_folded", fold(v)),
        IndexHint::ExternalId(v) => ("external_id", v.clone()),
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resources WHERE kind = ? AND {column} = ? ORDER BY pk"
    ))
    .bind(kind_str(kind))
    .bind(value)
    .fetch_all(conn)
    .await?;
    rows.iter().map(row_to_resource).collect()
}

/// Every resource of `kind` in creation order (for filters no index can answer).
pub async fn scan(conn: &mut Conn, kind: ResourceKind) -> Result<Vec<StoredResource>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resources WHERE kind = ? ORDER BY pk"
    ))
    .bind(kind_str(kind))
    .fetch_all(conn)
    .await?;
    rows.iter().map(row_to_resource).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use sqlx::Connection;
    use sqlx::sqlite::SqliteConnectOptions;

    fn user(name: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("userName".into(), Value::String(name.into()));
        m
    }

    /// Uniqueness lives in the database: a second connection that bypasses the engine's single
    /// writer still cannot insert a userName that differs only in case.
    #[tokio::test]
    async fn the_unique_index_rejects_case_variants_from_any_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.db");
        let store = Store::open(&path).await.unwrap();
        let mut w = store.write.acquire().await.unwrap();
        insert(
            &mut w,
            ResourceKind::User,
            "id-1",
            &user("Alice@Example.com"),
            "t",
        )
        .await
        .unwrap();
        let mut other =
            sqlx::SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path))
                .await
                .unwrap();
        let err = insert(
            &mut other,
            ResourceKind::User,
            "id-2",
            &user("alice@example.COM"),
            "t",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    field: "userName",
                    ..
                }
            ),
            "{err:?}"
        );
        // A group may share the name: uniqueness is per resource type.
        let mut g = Map::new();
        g.insert(
            "displayName".into(),
            Value::String("alice@example.com".into()),
        );
        insert(&mut other, ResourceKind::Group, "id-3", &g, "t")
            .await
            .unwrap();
        assert_eq!(count(&mut w, ResourceKind::User).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn lookups_use_folded_names_and_exact_external_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("l.db")).await.unwrap();
        let mut w = store.write.acquire().await.unwrap();
        let mut attrs = user("Bob@Example.com");
        attrs.insert("externalId".into(), Value::String("Ext-1".into()));
        insert(&mut w, ResourceKind::User, "id-b", &attrs, "t")
            .await
            .unwrap();
        let by_name = lookup(
            &mut w,
            ResourceKind::User,
            &IndexHint::Name("BOB@example.com".into()),
        )
        .await
        .unwrap();
        assert_eq!(by_name.len(), 1);
        let exact = lookup(
            &mut w,
            ResourceKind::User,
            &IndexHint::ExternalId("Ext-1".into()),
        )
        .await
        .unwrap();
        let wrong_case = lookup(
            &mut w,
            ResourceKind::User,
            &IndexHint::ExternalId("ext-1".into()),
        )
        .await
        .unwrap();
        assert_eq!(
            (exact.len(), wrong_case.len()),
            (1, 0),
            "externalId is caseExact"
        );
        // The name lookup is answered by an index, not a scan of 100k rows.
        let rows = sqlx::query(
            "EXPLAIN QUERY PLAN SELECT pk FROM resources WHERE kind = 'User' AND name_folded = 'x'",
        )
        .fetch_all(&mut *w)
        .await
        .unwrap();
        let detail: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect();
        assert!(
            detail
                .iter()
                .any(|d| d.contains("USING") && d.contains("INDEX")),
            "{detail:?}"
        );
    }
}
