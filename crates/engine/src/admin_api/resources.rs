//! `GET /api/users` (searched, filtered and sorted in SQL: `q`, `idp`, `active`, `sort`, `order`,
//! with the true total), `GET /api/groups` (offset-paged, newest first) and `GET /api/users/{id}`,
//! `GET /api/groups/{id}` (the resource and the exchanges that touched it, newest first).
//!
//! Resources are rendered exactly as the SCIM listener renders them (`id`, `meta` with the
//! SCIM location, a user's `groups`, a group's `members`), so the UI shows what the IdP sees.

use super::exchanges::page as exchange_page;
use super::model::{ResourceDetail, ResourcePage};
use super::{AdminError, AdminResult, AdminState, int_param, query_pairs};
use crate::model::Idp;
use crate::results;
use crate::store::Conn;
use crate::store::exchanges::ExchangeQuery;
use crate::store::prelude::*;
use crate::store::resources::{SqlOrder, StoredResource, UserSearch, UserSort};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use scimlab_scim::ResourceKind;
use serde_json::Value;

/// Page size when `count` is not given.
pub const DEFAULT_COUNT: i64 = 50;
/// Largest `count`.
pub const MAX_COUNT: i64 = 500;
/// Exchanges shown with one resource; older ones are paged through `/api/exchanges`.
pub const DETAIL_EXCHANGES: i64 = 100;

/// Render `rows` with their `groups` (users, one query for the page) or `members` (groups),
/// as the SCIM listener renders them.
pub(super) async fn render_all(
    conn: &mut Conn,
    rows: &[StoredResource],
    base_url: &str,
) -> AdminResult<Vec<Value>> {
    Ok(crate::scim_api::render::render_all(conn, rows, base_url).await?)
}

/// Query parameters of `GET /api/users`.
const USER_PARAMS: [&str; 7] = ["startIndex", "count", "q", "idp", "active", "sort", "order"];

fn user_search(raw: Option<&str>) -> AdminResult<(i64, UserSearch)> {
    let mut start_index = 1;
    let mut q = UserSearch {
        limit: DEFAULT_COUNT,
        descending: true,
        ..UserSearch::default()
    };
    let mut order: Option<bool> = None;
    for (name, value) in query_pairs(raw, &USER_PARAMS)? {
        let v = value.trim();
        match name.as_str() {
            "startIndex" => start_index = int_param("startIndex", &value, 1, i64::MAX)?,
            "count" => q.limit = int_param("count", &value, 0, MAX_COUNT)?,
            "q" => q.text = Some(v.to_owned()).filter(|t| !t.is_empty()),
            "idp" => {
                q.idp = Some(
                    Idp::ALL
                        .iter()
                        .copied()
                        .find(|i| i.as_str().eq_ignore_ascii_case(v))
                        .ok_or_else(|| {
                            AdminError::bad_request(format!(
                                "invalid idp '{value}': use entra, okta or other"
                            ))
                        })?,
                );
            }
            "active" => {
                q.active = Some(match v.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(AdminError::bad_request(format!(
                            "invalid active '{value}': use true or false"
                        )));
                    }
                });
            }
            "sort" => {
                q.sort = match v {
                    "created" => UserSort::Created,
                    "userName" => UserSort::UserName,
                    "displayName" => UserSort::DisplayName,
                    "lastModified" => UserSort::LastModified,
                    _ => {
                        return Err(AdminError::bad_request(format!(
                            "invalid sort '{value}': use created, userName, displayName or lastModified"
                        )));
                    }
                };
            }
            // `order` is the only remaining name query_pairs lets through.
            _ => {
                order = Some(match v {
                    "ascending" | "asc" => false,
                    "descending" | "desc" => true,
                    _ => {
                        return Err(AdminError::bad_request(format!(
                            "invalid order '{value}': use ascending or descending"
                        )));
                    }
                });
            }
        }
    }
    // Newest first by default; names A→Z by default.
    q.descending = order.unwrap_or(q.sort == UserSort::Created || q.sort == UserSort::LastModified);
    q.offset = start_index - 1;
    Ok((start_index, q))
}

/// `GET /api/users`: filtered in SQL (text, IdP, active), sorted, paged, with the true total.
async fn list_users_page(state: &AdminState, raw: Option<&str>) -> AdminResult<ResourcePage> {
    let (start_index, q) = user_search(raw)?;
    let mut conn = state.store.read().await?;
    let (total_results, found) = conn.search_users(&q).await?;
    let (rows, idps): (Vec<StoredResource>, Vec<Idp>) = found.into_iter().unzip();
    let rendered = render_all(&mut conn, &rows, &state.scim_base_url()).await?;
    let profile = results::active_profile(&mut conn).await?;
    let mappings = results::evaluate_users(&mut conn, &profile, &rendered).await?;
    Ok(ResourcePage {
        total_results,
        start_index,
        items_per_page: rendered.len() as i64,
        resources: rendered,
        mappings: Some(mappings),
        idps: Some(idps),
    })
}

/// `GET /api/groups`: newest first, offset-paged.
async fn list_groups_page(state: &AdminState, raw: Option<&str>) -> AdminResult<ResourcePage> {
    let kind = ResourceKind::Group;
    let mut start_index = 1;
    let mut count = DEFAULT_COUNT;
    for (name, value) in query_pairs(raw, &["startIndex", "count"])? {
        if name == "startIndex" {
            start_index = int_param("startIndex", &value, 1, i64::MAX)?;
        } else {
            count = int_param("count", &value, 0, MAX_COUNT)?;
        }
    }
    let mut conn = state.store.read().await?;
    let total_results = conn.count_resources(kind).await?;
    let rows = if count == 0 {
        Vec::new()
    } else {
        conn.resource_page(kind, SqlOrder::Created, true, start_index - 1, count)
            .await?
    };
    let rendered = render_all(&mut conn, &rows, &state.scim_base_url()).await?;
    Ok(ResourcePage {
        total_results,
        start_index,
        items_per_page: rendered.len() as i64,
        resources: rendered,
        mappings: None,
        idps: None,
    })
}

async fn detail(kind: ResourceKind, state: &AdminState, id: &str) -> AdminResult<ResourceDetail> {
    let resource = {
        let mut conn = state.store.read().await?;
        let Some(row) = conn.resource(kind, id).await? else {
            let plural = if kind == ResourceKind::User {
                "users"
            } else {
                "groups"
            };
            return Err(AdminError::not_found(format!(
                "no {} with id '{id}': it may have been deleted; list them with /api/{plural} (its exchanges stay in /api/exchanges?resource={id})",
                kind.name().to_lowercase()
            )));
        };
        render_all(
            &mut conn,
            std::slice::from_ref(&row),
            &state.scim_base_url(),
        )
        .await?
        .pop()
        .unwrap_or_default()
    };
    let page = exchange_page(
        state,
        ExchangeQuery {
            resource_id: Some(id.to_owned()),
            limit: DETAIL_EXCHANGES,
            ..ExchangeQuery::default()
        },
    )
    .await?;
    let (mapping, role_history, timeline) = if kind == ResourceKind::User {
        let (m, h, t) = super::mapping::user_extras(state, id, &resource).await?;
        (Some(m), Some(h), Some(t))
    } else {
        (None, None, None)
    };
    Ok(ResourceDetail {
        resource,
        exchanges: page.items,
        exchanges_next_before: page.next_before,
        mapping,
        role_history,
        timeline,
    })
}

/// `GET /api/users`.
pub async fn list_users(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<ResourcePage>> {
    Ok(Json(list_users_page(&state, raw.as_deref()).await?))
}

/// `GET /api/groups`.
pub async fn list_groups(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<ResourcePage>> {
    Ok(Json(list_groups_page(&state, raw.as_deref()).await?))
}

/// `GET /api/users/{id}`.
pub async fn get_user(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<ResourceDetail>> {
    Ok(Json(detail(ResourceKind::User, &state, &id).await?))
}

/// `GET /api/groups/{id}`.
pub async fn get_group(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<ResourceDetail>> {
    Ok(Json(detail(ResourceKind::Group, &state, &id).await?))
}
