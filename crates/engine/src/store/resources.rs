//! Users and Groups rows: insert, read, update, delete, count, page, and indexed lookups.
//!
//! Both resource types share one table (`resources`, see `migrations/0001_init.sql`); `kind`
//! tells them apart. The columns the server looks up by (`id`, folded `userName`/`displayName`,
//! `externalId`) are derived here from the attributes on every write, so they can never drift.
//!
//! **Names.** `name_folded` holds [`fold`] of the unique name — NFC plus Unicode case folding
//! (`scimlab_scim::names`) — so "José" in NFC and NFD, or `K` and the Kelvin sign, are one name
//! to the unique index. Databases written before that folded with `to_lowercase`: migration
//! 0007 marks them, and [`refold_names`] (run by `Store::open` right after the migrations)
//! recomputes every row once. Two existing rows whose names only now fold alike are both kept:
//! the older keeps the name, the newer is *parked* under `<folded name>\0dup:<id>` (a warning
//! names both). Lookups by name find parked rows too, so a filter shows both (the truth an
//! admin needs to resolve it); a write to the parked row that keeps its name keeps it parked,
//! and renaming it to a free name un-parks it.
//!
//! **Unreadable rows.** A row whose attributes cannot be parsed back (written by an older
//! version before the nesting limit, or edited by hand) never fails a read: [`row_to_resource`]
//! keeps every top-level attribute that parses, puts the name back from `name_folded` when it
//! was lost, logs a warning and says what was lost in [`StoredResource::unreadable`]. List pages
//! serve such a row with what could be read; the handlers answer a GET or PATCH of it with an
//! error naming the problem, and let PUT (which replaces it) and DELETE through.

use super::api::ResourceStore;
use super::{Result, SqliteConn, conflict_or};
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
    pub id: crate::model::ResourceId,
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
    /// `Some(why)` when the stored attributes could not all be read back: `attributes` then
    /// holds only what could (see the module docs). `None` for every healthy row.
    pub unreadable: Option<String>,
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

/// Fold a unique name the way the unique index compares it: NFC plus Unicode case folding
/// ([`scimlab_scim::names::fold`], shared with the filter evaluator).
pub fn fold(name: &str) -> String {
    scimlab_scim::names::fold(name)
}

/// The `name_folded` of a row parked by [`refold_names`]: the folded name, a NUL (which no
/// accepted name holds) and the row's id, so it stays unique and sorts right after the name.
fn parked(folded: &str, id: &str) -> String {
    format!("{folded}\0dup:{id}")
}

pub(super) fn str_attr<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attrs.get(key).and_then(Value::as_str)
}

/// Read a row. Never fails on the stored JSON: an unreadable row comes back with what could be
/// read and [`StoredResource::unreadable`] set (see the module docs), and a warning is logged.
pub(crate) fn row_to_resource(row: &SqliteRow) -> Result<StoredResource> {
    ResourceColumns {
        pk: row.try_get("pk")?,
        kind: row.try_get("kind")?,
        id: row.try_get("id")?,
        attributes: row.try_get("attributes")?,
        version: row.try_get("version")?,
        created: row.try_get("created")?,
        last_modified: row.try_get("last_modified")?,
    }
    .into_resource(|| Ok(row.try_get("name_folded")?))
}

/// The columns of a `resources` row ([`COLUMNS`] but `name_folded`) as any backend reads them.
pub(crate) struct ResourceColumns<'r> {
    pub(crate) pk: i64,
    pub(crate) kind: &'r str,
    pub(crate) id: String,
    /// The stored JSON, not parsed yet.
    pub(crate) attributes: &'r str,
    pub(crate) version: i64,
    pub(crate) created: String,
    pub(crate) last_modified: String,
}

impl ResourceColumns<'_> {
    /// The stored resource, its attributes parsed. Never fails on the stored JSON: an unreadable
    /// row comes back with what could be read and [`StoredResource::unreadable`] set (see the
    /// module docs), and a warning is logged. `name_folded` is read only then (it puts a lost
    /// name back).
    pub(crate) fn into_resource(
        self,
        name_folded: impl FnOnce() -> Result<String>,
    ) -> Result<StoredResource> {
        let kind = if self.kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        };
        let (mut attributes, unreadable) = read_attributes(self.attributes);
        if let Some(problem) = &unreadable {
            let attr = name_attr(kind);
            if !attributes.get(attr).is_some_and(Value::is_string) {
                // Only the folded form survives in a column: better than a user without a name.
                let folded = name_folded()?;
                let name = folded.split('\0').next().unwrap_or_default().to_owned();
                attributes.insert(attr.to_owned(), Value::String(name));
            }
            if !attributes.get("schemas").is_some_and(Value::is_array) {
                attributes.insert("schemas".into(), serde_json::json!([kind.schema()]));
            }
            tracing::warn!(
                id = %self.id,
                kind = kind.name(),
                problem = %problem,
                "a stored resource cannot be read back whole: lists serve what could be read; replace it with PUT or delete it"
            );
        }
        Ok(StoredResource {
            pk: self.pk,
            kind,
            id: self.id.into(),
            attributes,
            version: self.version,
            created: self.created,
            last_modified: self.last_modified,
            unreadable,
        })
    }
}

/// Parse stored attributes; on failure keep each top-level attribute that parses on its own
/// and say which did not (serde_json skips a value it does not build without recursing, so
/// even one nested past its recursion limit can be stepped over).
fn read_attributes(raw: &str) -> (Map<String, Value>, Option<String>) {
    let whole_error = match serde_json::from_str::<Map<String, Value>>(raw) {
        Ok(attrs) => return (attrs, None),
        Err(e) => e,
    };
    let Ok(TopLevel(entries)) = serde_json::from_str::<TopLevel>(raw) else {
        return (
            Map::new(),
            Some(format!(
                "its stored attributes are not a json object ({whole_error})"
            )),
        );
    };
    let mut attrs = Map::with_capacity(entries.len());
    let mut lost = Vec::new();
    let mut first_error = None;
    for (key, value) in entries {
        match serde_json::from_str::<Value>(value.get()) {
            Ok(v) => {
                attrs.insert(key, v);
            }
            Err(e) => {
                first_error.get_or_insert(e);
                lost.push(format!("'{key}'"));
            }
        }
    }
    let why = first_error.map_or_else(|| whole_error.to_string(), |e| e.to_string());
    (
        attrs,
        Some(format!(
            "stored attribute {} cannot be read back ({why})",
            lost.join(", ")
        )),
    )
}

/// A JSON object's members in order, each value left unparsed.
struct TopLevel(Vec<(String, Box<serde_json::value::RawValue>)>);

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = TopLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a json object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TopLevel, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(TopLevel(out))
            }
        }
        d.deserialize_map(Members)
    }
}

pub(crate) const COLUMNS: &str =
    "pk, kind, id, name_folded, attributes, version, created, last_modified";

impl ResourceStore for SqliteConn {
    async fn insert_resource(
        &mut self,
        kind: ResourceKind,
        id: &crate::model::ResourceId,
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
        .bind(id.as_str())
        .bind(fold(name))
        .bind(str_attr(attributes, "externalId"))
        .bind(str_attr(attributes, "displayName"))
        .bind(json)
        .bind(now)
        .bind(now)
        .fetch_one(self)
        .await
        .map_err(|e| conflict_or(e, name_attr(kind), name))?;
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
        sqlx::query(
            "UPDATE resources SET name_folded = COALESCE(?, name_folded), external_id = ?,
             display_name = ?, attributes = ?, version = version + 1, last_modified = ? WHERE pk = ?",
        )
        .bind((!same_name).then_some(folded))
        .bind(str_attr(attributes, "externalId"))
        .bind(str_attr(attributes, "displayName"))
        .bind(Value::Object(attributes.clone()).to_string())
        .bind(now)
        .bind(current.pk)
        .execute(self)
        .await
        .map_err(|e| conflict_or(e, name_attr(kind), name))?;
        Ok(StoredResource {
            attributes: attributes.clone(),
            version: current.version + 1,
            last_modified: now.to_owned(),
            unreadable: None,
            ..current.clone()
        })
    }
    async fn touch_resources(&mut self, pks: &[i64], now: &str) -> Result<()> {
        for pk in pks {
            sqlx::query(
                "UPDATE resources SET version = version + 1, last_modified = ? WHERE pk = ?",
            )
            .bind(now)
            .bind(pk)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
    async fn touch_users(&mut self, ids: &[String], now: &str) -> Result<()> {
        for id in ids {
            sqlx::query(
                "UPDATE resources SET version = version + 1, last_modified = ? WHERE id = ? AND kind = 'User'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
    async fn resource(&mut self, kind: ResourceKind, id: &str) -> Result<Option<StoredResource>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE id = ? AND kind = ?"
        ))
        .bind(id)
        .bind(kind_str(kind))
        .fetch_optional(self)
        .await?;
        row.as_ref().map(row_to_resource).transpose()
    }
    async fn delete_resource(&mut self, kind: ResourceKind, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM resources WHERE id = ? AND kind = ?")
            .bind(id)
            .bind(kind_str(kind))
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
    async fn count_resources(&mut self, kind: ResourceKind) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE kind = ?")
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
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
    async fn search_users(
        &mut self,
        q: &UserSearch,
    ) -> Result<(i64, Vec<(StoredResource, crate::model::Idp)>)> {
        super::user_list::search(self, q).await
    }
    async fn lookup_resources(
        &mut self,
        kind: ResourceKind,
        hint: &IndexHint,
    ) -> Result<Vec<StoredResource>> {
        let (column, value) = match hint {
            IndexHint::Id(v) => ("id", v.clone()),
            IndexHint::Name(v) => {
                // The name, and rows parked under it (`<name>\0dup:<id>`): one range of the
                // (kind, name_folded) index, [name, name + U+0001). An `OR` of the equality and the
                // range made SQLite walk the (kind, pk) index instead: 38 ms at 100 000 users.
                let folded = fold(v);
                let rows = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM resources INDEXED BY resources_kind_name WHERE kind = ?
                       AND name_folded >= ? AND name_folded < ? ORDER BY pk"
                ))
                .bind(kind_str(kind))
                .bind(&folded)
                .bind(format!("{folded}\u{1}"))
                .fetch_all(self)
                .await?;
                return rows.iter().map(row_to_resource).collect();
            }
            IndexHint::ExternalId(v) => ("external_id", v.clone()),
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = ? AND {column} = ? ORDER BY pk"
        ))
        .bind(kind_str(kind))
        .bind(value)
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
    async fn all_resources(&mut self, kind: ResourceKind) -> Result<Vec<StoredResource>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = ? ORDER BY pk"
        ))
        .bind(kind_str(kind))
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
}

/// Orders of the admin's user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// Creation order.
    #[default]
    Created,
    /// userName (case-insensitive).
    UserName,
    /// displayName (case-insensitive; userName where there is none).
    DisplayName,
    /// Time of the last write.
    LastModified,
}

/// The admin's user list query: text, IdP and active filters, an order, a page.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    /// Case-insensitive (ASCII) text found in the userName, displayName, the name's parts, an
    /// email or the externalId; or the exact SCIM id.
    pub text: Option<String>,
    /// Only users this IdP created: `resources.created_by`, which the capture writer sets from
    /// the successful create exchange; a user whose create was never captured is `other`.
    pub idp: Option<crate::model::Idp>,
    /// Only active (`true`) or inactive (`false`) users; a user without `active` is active.
    pub active: Option<bool>,
    /// The order.
    pub sort: UserSort,
    /// Descending.
    pub descending: bool,
    /// Rows skipped.
    pub offset: i64,
    /// Rows returned.
    pub limit: i64,
}

/// The setting migration 0007 leaves for [`refold_names`].
const REFOLD_PENDING: &str = "name_fold_pending";

/// What [`refold_names`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefoldReport {
    /// Whether the pass ran (migration 0007 had just been applied).
    pub ran: bool,
    /// Rows whose `name_folded` changed.
    pub refolded: usize,
    /// Rows parked because an older row's name now folds the same: `(parked id, kept id)`.
    pub parked: Vec<(String, String)>,
    /// Rows from which a stored `password` was removed.
    pub passwords_dropped: usize,
}

/// Recompute `name_folded` of every row with [`fold`], once, after migration 0007 (see the
/// module docs), and drop any password an earlier version stored. One transaction on the
/// writer: a crash mid-way leaves the mark, and the next start runs it again.
///
/// Collisions (two rows whose names only now fold alike): the older row keeps the name, the
/// newer is parked under [`parked`] and a warning names both. Nothing is deleted.
pub async fn refold_names(write: &mut sqlx::SqliteConnection) -> Result<RefoldReport> {
    let mut tx = sqlx::Connection::begin(write).await?;
    let pending: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
        .bind(REFOLD_PENDING)
        .fetch_optional(&mut *tx)
        .await?;
    if pending.is_none() {
        return Ok(RefoldReport::default());
    }
    let mut report = RefoldReport {
        ran: true,
        ..RefoldReport::default()
    };
    // The name from the JSON when SQLite can read it (its JSON parser is not depth-limited like
    // serde_json's), else the old folded column (lowercase, which folds the same way).
    let rows = sqlx::query(
        "SELECT pk, kind, id, name_folded,
                CASE WHEN json_valid(attributes)
                      AND json_type(attributes, CASE kind WHEN 'User' THEN '$.userName' ELSE '$.displayName' END) = 'text'
                     THEN json_extract(attributes, CASE kind WHEN 'User' THEN '$.userName' ELSE '$.displayName' END)
                END AS name
         FROM resources ORDER BY pk",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut owner: std::collections::HashMap<(String, String), String> =
        std::collections::HashMap::with_capacity(rows.len());
    let mut changes: Vec<(i64, String)> = Vec::new();
    for row in &rows {
        let pk: i64 = row.try_get("pk")?;
        let kind: String = row.try_get("kind")?;
        let id: String = row.try_get("id")?;
        let current: String = row.try_get("name_folded")?;
        let name: Option<String> = row.try_get("name")?;
        let base = match &name {
            Some(n) => fold(n),
            None => fold(current.split('\0').next().unwrap_or_default()),
        };
        let target = match owner.entry((kind.clone(), base.clone())) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id.clone());
                base
            }
            std::collections::hash_map::Entry::Occupied(kept) => {
                tracing::warn!(
                    kind = %kind,
                    parked = %id,
                    kept = %kept.get(),
                    "two stored names are now the same name (unicode normalisation and case folding): the older keeps it; rename or delete the newer"
                );
                report.parked.push((id.clone(), kept.get().clone()));
                parked(&base, &id)
            }
        };
        if target != current {
            changes.push((pk, target));
        }
    }
    // Two steps, so that no intermediate state breaks the unique index: every changed row to
    // a placeholder no name can be, then each to its new value.
    for (pk, _) in &changes {
        sqlx::query("UPDATE resources SET name_folded = ? WHERE pk = ?")
            .bind(format!("\0refold:{pk}"))
            .bind(pk)
            .execute(&mut *tx)
            .await?;
    }
    for (pk, target) in &changes {
        sqlx::query("UPDATE resources SET name_folded = ? WHERE pk = ?")
            .bind(target)
            .bind(pk)
            .execute(&mut *tx)
            .await?;
    }
    report.refolded = changes.len();
    report.passwords_dropped = drop_stored_passwords(&mut tx).await?;
    sqlx::query("DELETE FROM settings WHERE key = ?")
        .bind(REFOLD_PENDING)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        refolded = report.refolded,
        parked = report.parked.len(),
        passwords_dropped = report.passwords_dropped,
        "unique names refolded (nfc and unicode case folding)"
    );
    Ok(report)
}

/// Remove the passwords an earlier version stored (inside an extension, issue 11): rows whose
/// JSON mentions one are parsed, cleaned and written back (same version: what clients see
/// does not change, rendering never showed them).
async fn drop_stored_passwords(conn: &mut SqliteConn) -> Result<usize> {
    let rows =
        sqlx::query("SELECT pk, attributes FROM resources WHERE attributes LIKE '%password%'")
            .fetch_all(&mut *conn)
            .await?;
    let mut dropped = 0;
    for row in &rows {
        let pk: i64 = row.try_get("pk")?;
        let raw: String = row.try_get("attributes")?;
        let Ok(mut attrs) = serde_json::from_str::<Map<String, Value>>(&raw) else {
            continue;
        };
        if scimlab_scim::resource::drop_passwords_in(&mut attrs) {
            sqlx::query("UPDATE resources SET attributes = ? WHERE pk = ?")
                .bind(Value::Object(attrs).to_string())
                .bind(pk)
                .execute(&mut *conn)
                .await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests;
