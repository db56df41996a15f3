//! Listing: filter, sort, page (RFC 7644 §3.4.2), shared by `GET` lists and `POST .search`.
//!
//! Strategy, cheapest first:
//! 1. no filter, and sorting SQL can do (creation order, userName/displayName): `COUNT` plus
//!    `LIMIT/OFFSET` in SQL;
//! 2. a filter with an indexed equality (`id`, `userName`/group `displayName`, `externalId`,
//!    possibly inside an `and`): fetch the few candidate rows by index, evaluate the whole filter;
//! 3. anything else: scan the resource type and evaluate in memory.
//!
//! Ordering is always total (ties broken by creation order), so pages are stable.

use super::ScimState;
use super::context::RequestCtx;
use super::extract::ListParams;
use super::render::render;
use super::response::{ApiResult, scim_json};
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::store::Conn;
use crate::store::members;
use crate::store::resources::{self, IndexHint, SqlOrder, StoredResource};
use axum::http::StatusCode;
use scimlab_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scimlab_scim::schema::LIST_RESPONSE_SCHEMA;
use scimlab_scim::{ResourceKind, resource};
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;

fn is_core(path: &AttrPath, kind: ResourceKind) -> bool {
    path.urn
        .as_deref()
        .is_none_or(|u| u.eq_ignore_ascii_case(kind.schema()))
}

/// An indexed equality anywhere on the top-level `and` chain of `f`.
pub fn index_hint(f: &Filter, kind: ResourceKind) -> Option<IndexHint> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(v),
        } if path.sub.is_none() && is_core(path, kind) => {
            let n = path.name.as_str();
            if n.eq_ignore_ascii_case("id") {
                Some(IndexHint::Id(v.clone()))
            } else if n.eq_ignore_ascii_case("externalId") {
                Some(IndexHint::ExternalId(v.clone()))
            } else if n.eq_ignore_ascii_case(resources::name_attr(kind)) {
                Some(IndexHint::Name(v.clone()))
            } else {
                None
            }
        }
        Filter::And(a, b) => index_hint(a, kind).or_else(|| index_hint(b, kind)),
        _ => None,
    }
}

/// Whether evaluating `f` needs a user's `groups` or a group's `members`.
fn mentions_related(f: &Filter) -> bool {
    let related = |p: &AttrPath| {
        p.name.eq_ignore_ascii_case("groups") || p.name.eq_ignore_ascii_case("members")
    };
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => mentions_related(a) || mentions_related(b),
        Filter::Not(a) => mentions_related(a),
        Filter::Present(p)
        | Filter::Compare { path: p, .. }
        | Filter::ValuePath { path: p, .. } => related(p),
    }
}

fn sql_order(kind: ResourceKind, sort_by: Option<&AttrPath>) -> Option<SqlOrder> {
    let Some(p) = sort_by else {
        return Some(SqlOrder::Created);
    };
    if !is_core(p, kind) {
        return None;
    }
    let name = p.name.as_str();
    match &p.sub {
        None if name.eq_ignore_ascii_case(resources::name_attr(kind)) => Some(SqlOrder::Name),
        Some(sub) if name.eq_ignore_ascii_case("meta") && sub.eq_ignore_ascii_case("created") => {
            Some(SqlOrder::Created)
        }
        _ => None,
    }
}

/// The value a resource sorts by: the attribute, the sub-attribute, or for a multi-valued
/// attribute the primary (else first) element's value.
fn sort_key(resource: &Value, path: &AttrPath) -> Option<Value> {
    let obj = resource.as_object()?;
    let container = match &path.urn {
        Some(urn) if !urn.to_ascii_lowercase().contains(":core:") => {
            obj.get(resource::find_key(obj, urn)?)?.as_object()?
        }
        _ => obj,
    };
    let mut v = container.get(resource::find_key(container, &path.name)?)?;
    if let Value::Array(items) = v {
        v = items
            .iter()
            .find(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| items.first())?;
    }
    match (&path.sub, v) {
        (Some(sub), Value::Object(o)) => o.get(resource::find_key(o, sub)?).cloned(),
        (None, Value::Object(o)) => o.get("value").cloned(),
        (_, other) => Some(other.clone()),
    }
}

fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

async fn load_related(
    conn: &mut Conn,
    kind: ResourceKind,
    rows: &[StoredResource],
) -> Result<HashMap<String, Vec<Value>>, super::response::ApiError> {
    let mut out = HashMap::with_capacity(rows.len());
    match kind {
        ResourceKind::User => {
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            for (id, groups) in members::groups_of(conn, &ids).await? {
                out.insert(id, groups.into_iter().map(Value::Object).collect());
            }
        }
        ResourceKind::Group => {
            for r in rows {
                out.insert(r.id.clone(), members::of_group(conn, r.pk).await?);
            }
        }
    }
    Ok(out)
}

/// Run a list request and build the ListResponse.
pub async fn run(kind: ResourceKind, s: &ScimState, ctx: &RequestCtx, p: ListParams) -> ApiResult {
    let filter = match p.filter.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => Some(ctx.with_quirks(|q| Filter::parse(f, kind, q))?),
        _ => None,
    };
    let start_index = p.start_index.unwrap_or(1).max(1);
    let count = p
        .count
        .unwrap_or(DEFAULT_PAGE_SIZE as i64)
        .clamp(0, MAX_PAGE_SIZE as i64);
    let offset = start_index - 1;
    let mut conn = s.store.read.acquire().await?;

    let (total, page): (usize, Vec<Value>) = match (&filter, sql_order(kind, p.sort_by.as_ref())) {
        (None, Some(order)) => {
            let total = resources::count(&mut conn, kind).await?;
            let rows = if count == 0 {
                Vec::new()
            } else {
                resources::page(&mut conn, kind, order, p.descending, offset, count).await?
            };
            let mut related = load_related(&mut conn, kind, &rows).await?;
            let page = rows
                .iter()
                .map(|r| render(r, related.remove(&r.id), &ctx.base_url))
                .collect();
            (usize::try_from(total).unwrap_or(0), page)
        }
        _ => {
            let candidates = match filter.as_ref().and_then(|f| index_hint(f, kind)) {
                Some(hint) => resources::lookup(&mut conn, kind, &hint).await?,
                None => resources::scan(&mut conn, kind).await?,
            };
            let needs_related = filter.as_ref().is_some_and(mentions_related)
                || p.sort_by.as_ref().is_some_and(|s| {
                    s.name.eq_ignore_ascii_case("groups") || s.name.eq_ignore_ascii_case("members")
                });
            let mut related = if needs_related {
                load_related(&mut conn, kind, &candidates).await?
            } else {
                HashMap::new()
            };
            let mut matched: Vec<(&StoredResource, Value)> = candidates
                .iter()
                .map(|r| (r, render(r, related.remove(&r.id), &ctx.base_url)))
                .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v, kind)))
                .collect();
            if let Some(sort) = &p.sort_by {
                let keys: Vec<Option<Value>> =
                    matched.iter().map(|(_, v)| sort_key(v, sort)).collect();
                let mut order: Vec<usize> = (0..matched.len()).collect();
                order.sort_by(|&a, &b| match (&keys[a], &keys[b]) {
                    (Some(x), Some(y)) => {
                        let o = compare_values(x, y);
                        if p.descending { o.reverse() } else { o }
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                });
                let mut slots: Vec<Option<(&StoredResource, Value)>> =
                    matched.into_iter().map(Some).collect();
                matched = order.into_iter().filter_map(|i| slots[i].take()).collect();
            }
            let total = matched.len();
            let page_rows: Vec<(&StoredResource, Value)> = matched
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(count).unwrap_or(0))
                .collect();
            let page = if needs_related {
                page_rows.into_iter().map(|(_, v)| v).collect()
            } else {
                let rows: Vec<StoredResource> =
                    page_rows.iter().map(|(r, _)| (*r).clone()).collect();
                let mut rel = load_related(&mut conn, kind, &rows).await?;
                rows.iter()
                    .map(|r| render(r, rel.remove(&r.id), &ctx.base_url))
                    .collect()
            };
            (total, page)
        }
    };

    Ok(list_response(total, start_index, page, &p))
}

/// The ListResponse of one page, projected per `attributes` / `excludedAttributes`.
fn list_response(
    total: usize,
    start_index: i64,
    page: Vec<Value>,
    p: &ListParams,
) -> axum::response::Response {
    let resources: Vec<Value> = page
        .into_iter()
        .map(|r| resource::project(r, &p.attributes, &p.excluded))
        .collect();
    let body = json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    scim_json(StatusCode::OK, &body)
}

/// `POST /.search` at the service root (RFC 7644 §3.4.3): one query over Users and Groups.
///
/// The filter is parsed once per resource type (each against its own schema); matches are
/// listed Users first, then Groups, each in creation order, unless `sortBy` orders them all.
/// Rare in IdP traffic (peer test suites send it), so it takes the simple path: every
/// candidate is rendered with its groups or members, then filtered, sorted and paged.
pub async fn run_all(s: &ScimState, ctx: &RequestCtx, p: ListParams) -> ApiResult {
    let start_index = p.start_index.unwrap_or(1).max(1);
    let count = p
        .count
        .unwrap_or(DEFAULT_PAGE_SIZE as i64)
        .clamp(0, MAX_PAGE_SIZE as i64);
    let mut conn = s.store.read.acquire().await?;
    let mut matched: Vec<Value> = Vec::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let filter = match p.filter.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => Some(ctx.with_quirks(|q| Filter::parse(f, kind, q))?),
            _ => None,
        };
        let candidates = match filter.as_ref().and_then(|f| index_hint(f, kind)) {
            Some(hint) => resources::lookup(&mut conn, kind, &hint).await?,
            None => resources::scan(&mut conn, kind).await?,
        };
        let mut related = load_related(&mut conn, kind, &candidates).await?;
        matched.extend(
            candidates
                .iter()
                .map(|r| render(r, related.remove(&r.id), &ctx.base_url))
                .filter(|v| filter.as_ref().is_none_or(|f| f.matches(v, kind))),
        );
    }
    if let Some(sort) = &p.sort_by {
        // A stable sort keeps Users-then-Groups creation order among equal keys.
        matched.sort_by(|a, b| match (sort_key(a, sort), sort_key(b, sort)) {
            (Some(x), Some(y)) => {
                let o = compare_values(&x, &y);
                if p.descending { o.reverse() } else { o }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
    }
    let total = matched.len();
    let page: Vec<Value> = matched
        .into_iter()
        .skip(usize::try_from(start_index - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .collect();
    Ok(list_response(total, start_index, page, &p))
}
