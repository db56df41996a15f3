//! Group membership rows. A group's `members` and a user's `groups` are both read from here.
//!
//! Members are written as a diff against what is stored, so a PATCH that adds one member to a
//! 10 000-member group writes one row, not 10 001.

use super::api::MemberStore;
use super::{Result, SqliteConn, StoreError};
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

impl MemberStore for SqliteConn {
    async fn members_of(&mut self, group_pk: i64) -> Result<Vec<Value>> {
        let rows = sqlx::query(
            "SELECT value, item FROM group_members WHERE group_pk = ? ORDER BY position, value",
        )
        .bind(group_pk)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| {
                let raw: String = r.try_get("item")?;
                let value: String = r.try_get("value")?;
                serde_json::from_str(&raw)
                    .map_err(|source| StoreError::Corrupt { id: value, source })
            })
            .collect()
    }
    async fn set_members(&mut self, group_pk: i64, members: &[Value]) -> Result<Vec<String>> {
        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT value, item FROM group_members WHERE group_pk = ?")
                .bind(group_pk)
                .fetch_all(&mut *self)
                .await?;
        let stored: HashMap<String, String> = stored.into_iter().collect();
        let mut wanted: Vec<(&str, String)> = Vec::with_capacity(members.len());
        let mut seen = HashSet::new();
        for m in members {
            if let Some(v) = m.get("value").and_then(Value::as_str)
                && seen.insert(v)
            {
                wanted.push((v, m.to_string()));
            }
        }
        let mut changed: Vec<String> = Vec::new();
        for old in stored.keys().filter(|k| !seen.contains(k.as_str())) {
            changed.push(old.clone());
            sqlx::query("DELETE FROM group_members WHERE group_pk = ? AND value = ?")
                .bind(group_pk)
                .bind(old)
                .execute(&mut *self)
                .await?;
        }
        let mut next_pos: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM group_members WHERE group_pk = ?",
        )
        .bind(group_pk)
        .fetch_one(&mut *self)
        .await?;
        for (value, item) in wanted {
            match stored.get(value) {
                Some(old) if *old == item => {}
                Some(_) => {
                    sqlx::query(
                        "UPDATE group_members SET item = ? WHERE group_pk = ? AND value = ?",
                    )
                    .bind(&item)
                    .bind(group_pk)
                    .bind(value)
                    .execute(&mut *self)
                    .await?;
                }
                None => {
                    changed.push(value.to_owned());
                    sqlx::query(
                        "INSERT INTO group_members (group_pk, value, position, item) VALUES (?, ?, ?, ?)")
                        .bind(group_pk)
                        .bind(value)
                        .bind(next_pos)
                        .bind(&item)
                        .execute(&mut *self)
                        .await?;
                    next_pos += 1;
                }
            }
        }
        Ok(changed)
    }
    async fn remove_member_everywhere(&mut self, member_id: &str) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("DELETE FROM group_members WHERE value = ? RETURNING group_pk")
                .bind(member_id)
                .fetch_all(self)
                .await?,
        )
    }
    async fn groups_of_users(
        &mut self,
        user_ids: &[&str],
    ) -> Result<HashMap<String, Vec<Map<String, Value>>>> {
        let mut out: HashMap<String, Vec<Map<String, Value>>> = HashMap::new();
        // SQLite's default variable limit is 32766; pages are at most 1000 ids.
        for chunk in user_ids.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT m.value AS member, g.id AS gid, g.display_name AS gname FROM group_members m
                 JOIN resources g ON g.pk = m.group_pk WHERE m.value IN ({placeholders}) ORDER BY g.pk"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self).await? {
                let member: String = row.try_get("member")?;
                let mut g = Map::new();
                g.insert("value".into(), Value::String(row.try_get("gid")?));
                if let Some(name) = row.try_get::<Option<String>, _>("gname")? {
                    g.insert("display".into(), Value::String(name));
                }
                g.insert("type".into(), Value::String("direct".into()));
                out.entry(member).or_default().push(g);
            }
        }
        Ok(out)
    }
    async fn related_members(
        &mut self,
        rows: &[super::resources::StoredResource],
    ) -> Result<HashMap<String, Vec<Value>>> {
        use scimlab_scim::ResourceKind;
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
        for r in rows.iter().filter(|r| r.kind == ResourceKind::Group) {
            out.insert(r.id.to_string(), self.members_of(r.pk).await?);
        }
        Ok(out)
    }
}
