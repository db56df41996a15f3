//! PostgreSQL: group membership rows (a group's `members`, a user's `groups`); see
//! `store/members.rs` for the promises. Members are written as a diff against what is stored,
//! each kind of change (left, item changed, joined) one statement over arrays; a page's related
//! members are read in one query per kind.

use super::resources::{storable, storable_all};
use crate::store::api::MemberStore;
use crate::store::resources::StoredResource;
use crate::store::{Result, StoreError};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};
use sqlx::{PgConnection, Row};
use std::collections::{HashMap, HashSet};

/// A stored member's JSON (`item`), or [`StoreError::Corrupt`] naming its `value`.
fn parse_item(value: String, item: &str) -> Result<Value> {
    serde_json::from_str(item).map_err(|source| StoreError::Corrupt { id: value, source })
}

/// The members to store: `(value, item)` of each element with a string `value` (as a column
/// can hold it, see [`storable`]), the first occurrence winning.
fn wanted_members(members: &[Value]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut wanted = Vec::with_capacity(members.len());
    for m in members {
        if let Some(v) = m.get("value").and_then(Value::as_str) {
            let v = storable(v);
            if seen.insert(v.clone()) {
                wanted.push((v.into_owned(), m.to_string()));
            }
        }
    }
    wanted
}

impl MemberStore for PgConnection {
    async fn members_of(&mut self, group_pk: i64) -> Result<Vec<Value>> {
        let rows = sqlx::query(
            "SELECT value, item FROM group_members WHERE group_pk = $1 ORDER BY position, value",
        )
        .bind(group_pk)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| parse_item(r.try_get(0)?, r.try_get(1)?))
            .collect()
    }

    async fn set_members(&mut self, group_pk: i64, members: &[Value]) -> Result<Vec<String>> {
        let stored: HashMap<String, String> =
            sqlx::query_as("SELECT value, item FROM group_members WHERE group_pk = $1")
                .bind(group_pk)
                .fetch_all(&mut *self)
                .await?
                .into_iter()
                .collect();
        let wanted = wanted_members(members);
        let keep: HashSet<&str> = wanted.iter().map(|(v, _)| v.as_str()).collect();
        let left: Vec<&str> = stored
            .keys()
            .map(String::as_str)
            .filter(|k| !keep.contains(k))
            .collect();
        let (mut changed_values, mut changed_items) = (Vec::new(), Vec::new());
        let (mut joined_values, mut joined_items) = (Vec::new(), Vec::new());
        for (value, item) in &wanted {
            match stored.get(value) {
                Some(old) if old == item => {}
                Some(_) => {
                    changed_values.push(value.as_str());
                    changed_items.push(item.as_str());
                }
                None => {
                    joined_values.push(value.as_str());
                    joined_items.push(item.as_str());
                }
            }
        }
        if !left.is_empty() {
            sqlx::query("DELETE FROM group_members WHERE group_pk = $1 AND value = ANY($2)")
                .bind(group_pk)
                .bind(&left)
                .execute(&mut *self)
                .await?;
        }
        if !changed_values.is_empty() {
            sqlx::query(
                "UPDATE group_members m SET item = u.item
                 FROM UNNEST($2::text[], $3::text[]) AS u(value, item)
                 WHERE m.group_pk = $1 AND m.value = u.value",
            )
            .bind(group_pk)
            .bind(&changed_values)
            .bind(&changed_items)
            .execute(&mut *self)
            .await?;
        }
        if !joined_values.is_empty() {
            // In arrival order, after every remaining member (positions counted on from the
            // highest left, as SQLite's backend counts them).
            sqlx::query(
                "INSERT INTO group_members (group_pk, value, position, item)
                 SELECT $1, u.value,
                        (SELECT COALESCE(MAX(position), -1) FROM group_members WHERE group_pk = $1)
                            + u.n,
                        u.item
                 FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS u(value, item, n)
                 ORDER BY u.n",
            )
            .bind(group_pk)
            .bind(&joined_values)
            .bind(&joined_items)
            .execute(&mut *self)
            .await?;
        }
        let mut changed: Vec<String> = left.into_iter().map(str::to_owned).collect();
        changed.extend(joined_values.into_iter().map(str::to_owned));
        Ok(changed)
    }

    async fn remove_member_everywhere(&mut self, member_id: &str) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("DELETE FROM group_members WHERE value = $1 RETURNING group_pk")
                .bind(storable(member_id))
                .fetch_all(self)
                .await?,
        )
    }

    async fn groups_of_users(
        &mut self,
        user_ids: &[&str],
    ) -> Result<HashMap<String, Vec<Map<String, Value>>>> {
        let mut out: HashMap<String, Vec<Map<String, Value>>> = HashMap::new();
        if user_ids.is_empty() {
            return Ok(out);
        }
        // Each group read by key (`OFFSET 0`: a plan cached while the tables were young could
        // otherwise join by reading every resource; see `pg/resources.rs`).
        let rows = sqlx::query(
            "SELECT m.value, g.id, g.display_name FROM group_members m
             CROSS JOIN LATERAL
                 (SELECT id, display_name FROM resources WHERE pk = m.group_pk OFFSET 0) g
             WHERE m.value = ANY($1) ORDER BY m.group_pk",
        )
        .bind(storable_all(user_ids))
        .fetch_all(self)
        .await?;
        for row in &rows {
            let member: String = row.try_get(0)?;
            let mut g = Map::new();
            g.insert("value".into(), Value::String(row.try_get(1)?));
            if let Some(name) = row.try_get::<Option<String>, _>(2)? {
                g.insert("display".into(), Value::String(name));
            }
            g.insert("type".into(), Value::String("direct".into()));
            out.entry(member).or_default().push(g);
        }
        Ok(out)
    }

    async fn related_members(
        &mut self,
        rows: &[StoredResource],
    ) -> Result<HashMap<String, Vec<Value>>> {
        let mut out: HashMap<String, Vec<Value>> = HashMap::with_capacity(rows.len());
        let users: Vec<&str> = rows
            .iter()
            .filter(|r| r.kind == ResourceKind::User)
            .map(|r| r.id.as_str())
            .collect();
        if !users.is_empty() {
            let mut groups = self.groups_of_users(&users).await?;
            for id in users {
                let of = groups.remove(id).unwrap_or_default();
                out.insert(id.to_owned(), of.into_iter().map(Value::Object).collect());
            }
        }
        let groups: Vec<&StoredResource> = rows
            .iter()
            .filter(|r| r.kind == ResourceKind::Group)
            .collect();
        if !groups.is_empty() {
            let mut members = members_of_groups(self, &groups).await?;
            for g in groups {
                out.insert(g.id.to_string(), members.remove(&g.pk).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

/// The members of each of `groups` (as [`MemberStore::members_of`] reads them), keyed by group
/// pk, in one query.
async fn members_of_groups(
    conn: &mut PgConnection,
    groups: &[&StoredResource],
) -> Result<HashMap<i64, Vec<Value>>> {
    let pks: Vec<i64> = groups.iter().map(|g| g.pk).collect();
    let rows = sqlx::query(
        "SELECT group_pk, value, item FROM group_members WHERE group_pk = ANY($1)
         ORDER BY group_pk, position, value",
    )
    .bind(&pks)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<i64, Vec<Value>> = HashMap::with_capacity(groups.len());
    for r in &rows {
        out.entry(r.try_get(0)?)
            .or_default()
            .push(parse_item(r.try_get(1)?, r.try_get(2)?)?);
    }
    Ok(out)
}
