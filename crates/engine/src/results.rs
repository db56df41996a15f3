//! Mapping results over the store: the profile in force, stored users read through it, and the
//! role history the capture writer appends.
//!
//! `mapping` is pure; this module does its I/O. Results are computed when asked (a few thousand
//! users evaluate in milliseconds), so changing the profile re-evaluates every user at once with
//! no migration of stored data. Role history is different: it records what each exchange did to
//! the effective role *under the profile in force at the time*, so it is written when the
//! exchange is stored.
//!
//! Imports `mapping`, `model` and `store`; no SQL of its own.

use crate::mapping::{
    self, CompiledProfile, FieldStatus, MappingProfile, MappingResult, TargetField,
    builtin_profile, builtin_profiles,
};
use crate::model::{Exchange, Idp};
use crate::store::prelude::*;
use crate::store::{self, Conn, StoreError};
use scimlab_scim::ResourceKind;
use serde_json::Value;

/// Every profile: the built-ins, then the admin's saved ones (unreadable saved rows are skipped
/// with a warning rather than hiding the others).
pub async fn all_profiles(conn: &mut Conn) -> Result<Vec<MappingProfile>, StoreError> {
    let mut out = builtin_profiles();
    for (id, json) in conn.saved_profiles().await? {
        match serde_json::from_str::<MappingProfile>(&json) {
            Ok(p) => out.push(p),
            Err(e) => {
                tracing::warn!(profile = %id, error = %e, "skipping an unreadable saved mapping profile");
            }
        }
    }
    Ok(out)
}

/// A profile by id, built-in or saved.
pub async fn profile(conn: &mut Conn, id: &str) -> Result<Option<MappingProfile>, StoreError> {
    if let Some(p) = builtin_profile(id) {
        return Ok(Some(p));
    }
    Ok(all_profiles(conn).await?.into_iter().find(|p| p.id == id))
}

/// The compiled profile in force; `auto` when the chosen one is gone or no longer compiles.
pub async fn active_profile(conn: &mut Conn) -> Result<CompiledProfile, StoreError> {
    let id = conn.active_profile().await?;
    let chosen = profile(conn, &id).await?.and_then(|p| p.compile().ok());
    Ok(chosen.unwrap_or_else(auto_profile))
}

/// The profile in force, compiled, and what identifies its rules: its definition as JSON
/// (`auto` for the fallback). Equal keys evaluate every user alike, so results kept under one
/// key stay right until the key changes (another profile chosen, the chosen one edited).
pub async fn active_profile_keyed(
    conn: &mut Conn,
) -> Result<(CompiledProfile, String), StoreError> {
    let id = conn.active_profile().await?;
    let chosen = profile(conn, &id)
        .await?
        .and_then(|p| p.compile().ok().map(|c| (c, p)));
    Ok(match chosen {
        Some((compiled, definition)) => {
            let key = serde_json::to_string(&definition).unwrap_or_else(|_| id.clone());
            (compiled, key)
        }
        None => (auto_profile(), mapping::AUTO_PROFILE_ID.to_owned()),
    })
}

fn auto_profile() -> CompiledProfile {
    builtin_profile(mapping::AUTO_PROFILE_ID)
        .and_then(|p| p.compile().ok())
        .expect("the built-in auto profile compiles (guarded by a unit test in mapping)")
}

/// The IdP that created `user_id`, from the capture log (`Other` when unknown).
pub async fn creator_of(conn: &mut Conn, user_id: &str) -> Result<Idp, StoreError> {
    Ok(conn
        .creator_of(user_id)
        .await?
        .map_or(Idp::Other, |s| Idp::parse(&s)))
}

/// Evaluate stored users (rendered SCIM JSON with `id`) under `profile`, creators looked up once.
pub async fn evaluate_users(
    conn: &mut Conn,
    profile: &CompiledProfile,
    users: &[Value],
) -> Result<Vec<MappingResult>, StoreError> {
    // A page of users: two indexed lookups each. The whole population: one pass over the log.
    let creators: std::collections::HashMap<String, String> = if users.len() <= 200 {
        let mut map = std::collections::HashMap::with_capacity(users.len());
        for id in users
            .iter()
            .filter_map(|u| u.get("id").and_then(Value::as_str))
        {
            map.insert(
                id.to_owned(),
                creator_of(conn, id).await?.as_str().to_owned(),
            );
        }
        map
    } else {
        conn.user_creators().await?
    };
    Ok(users
        .iter()
        .map(|u| {
            let creator = u
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| creators.get(id))
                .map_or(Idp::Other, |s| Idp::parse(s));
            mapping::evaluate(profile, u, creator)
        })
        .collect())
}

fn role_of(result: &MappingResult) -> (String, String, Option<String>) {
    let field = result.field(TargetField::Role);
    let status = field.map_or(FieldStatus::Defaulted, |f| f.status);
    let status = serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let raw = field.and_then(|f| f.raw.as_ref()).map(Value::to_string);
    (result.effective_role.as_str().to_owned(), status, raw)
}

/// Most creators [`Creators`] keeps before it starts afresh (about 6 MB of ids at most).
const CREATORS_KEPT: usize = 65_536;

/// The IdPs that created users, as the capture writer saw them created: each user's creator is
/// then known without a read when its updates arrive (one statement less per updated user on
/// the path every acknowledged write waits for).
///
/// Only creates this writer stored are kept: the capture log's trigger (migration 0016) writes
/// the same IdP into `resources.created_by`, once, and ids are never reused, so an entry can
/// never go stale. Users created before are read from the store as before. A reset clears it.
#[derive(Debug, Default)]
pub struct Creators(std::collections::HashMap<String, Idp>);

impl Creators {
    /// Forget every creator (the data was reset).
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Learn the creator of a user from the exchange of its create, once that exchange is
    /// committed (the condition of the `created_by` trigger, migration 0016); other exchanges
    /// teach nothing.
    pub fn learn(&mut self, e: &Exchange) {
        let s = &e.summary;
        if let (Some(ResourceKind::User), Some(user_id), crate::model::OperationKind::Create, 201) = (
            s.resource_type,
            s.resource_id.as_deref(),
            s.operation,
            s.status,
        ) {
            if self.0.len() >= CREATORS_KEPT {
                self.0.clear();
            }
            self.0.insert(user_id.to_owned(), s.idp);
        }
    }

    /// The creator of `user_id`: known, or read from the store (and not kept: a creator the
    /// store worked out from the capture log may still change).
    async fn of(&self, conn: &mut Conn, user_id: &str) -> Result<Idp, StoreError> {
        match self.0.get(user_id) {
            Some(idp) => Ok(*idp),
            None => creator_of(conn, user_id).await,
        }
    }
}

/// Append role-history rows for a batch of just-stored exchanges (same transaction). A user's
/// first row comes from its create; later rows only when the effective role or its status
/// changes — so an update that drops the role attribute shows the `Member` it leads to.
///
/// On the path every acknowledged write waits for: the profile once, each updated user's creator
/// once unless `creators` knows it, the rows in one insert.
pub async fn record_role_changes(
    conn: &mut Conn,
    stored: &[(i64, &Exchange)],
    creators: &Creators,
) -> Result<(), StoreError> {
    let users: Vec<(i64, &Exchange, &str, &Value)> = stored
        .iter()
        .filter_map(|(exchange_id, e)| {
            let s = &e.summary;
            match (s.resource_type, s.resource_id.as_deref(), e.after.as_ref()) {
                (Some(ResourceKind::User), Some(user_id), Some(after)) => {
                    Some((*exchange_id, *e, user_id, after))
                }
                _ => None,
            }
        })
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    let profile = active_profile(conn).await?;
    // The creators of updated users, one indexed read each when not known (a batched `IN (…)`
    // read measured slower on this path: 1 500 PATCHes/s instead of 2 200 in `scimlab bench`).
    let mut read: std::collections::HashMap<&str, Idp> = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for (exchange_id, e, user_id, after) in users {
        let s = &e.summary;
        let creator = match e.before {
            None => s.idp,
            Some(_) => match read.get(user_id) {
                Some(idp) => *idp,
                None => {
                    let idp = creators.of(conn, user_id).await?;
                    read.insert(user_id, idp);
                    idp
                }
            },
        };
        let (to_role, to_status, raw) = role_of(&mapping::evaluate(&profile, after, creator));
        let from = e
            .before
            .as_ref()
            .map(|b| role_of(&mapping::evaluate(&profile, b, creator)));
        if let Some((from_role, from_status, _)) = &from
            && *from_role == to_role
            && *from_status == to_status
        {
            continue;
        }
        rows.push(store::mapping::RoleChangeRow {
            user_id: user_id.to_owned(),
            from_role: from.map(|f| f.0),
            to_role,
            to_status,
            raw,
            exchange_id,
            at: s.at.clone(),
        });
    }
    conn.insert_role_changes(&rows).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::ex;
    use crate::model::OperationKind;

    fn about(mut e: Exchange, kind: ResourceKind, id: &str) -> Exchange {
        e.summary.resource_type = Some(kind);
        e.summary.resource_id = Some(id.to_owned());
        e
    }

    #[test]
    fn creators_are_learned_from_successful_user_creates_only() {
        let mut creators = Creators::default();
        let create = |idp, status, id: &str| {
            about(
                ex(
                    0,
                    idp,
                    "POST",
                    "/scim/v2/Users",
                    status,
                    OperationKind::Create,
                ),
                ResourceKind::User,
                id,
            )
        };
        creators.learn(&create(Idp::Okta, 201, "u1"));
        // A refused create, a group's create, an update and a read teach nothing.
        creators.learn(&create(Idp::Entra, 409, "u2"));
        creators.learn(&about(
            ex(
                0,
                Idp::Entra,
                "POST",
                "/scim/v2/Groups",
                201,
                OperationKind::GroupCreate,
            ),
            ResourceKind::Group,
            "g1",
        ));
        creators.learn(&about(
            ex(
                0,
                Idp::Entra,
                "PATCH",
                "/scim/v2/Users/u3",
                200,
                OperationKind::Update,
            ),
            ResourceKind::User,
            "u3",
        ));
        assert_eq!(creators.0.get("u1"), Some(&Idp::Okta));
        assert_eq!(creators.0.len(), 1, "{:?}", creators.0);
        creators.clear();
        assert!(creators.0.is_empty());
    }
}
