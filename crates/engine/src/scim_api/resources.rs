//! Handlers for `/Users` and `/Groups`: create, read, replace, patch, delete, list, search.
//!
//! Each write is one transaction on the single writer connection: read current state, check
//! `If-Match`, apply, write, commit. A failure anywhere rolls the transaction back, so no request
//! leaves a half-written row. The protocol work (ingest, PATCH) happens in `scimlab-scim`.

use super::ScimState;
use super::context::RequestCtx;
use super::extract::{
    ListParams, Projection, RawQuery, ScimBody, parse_attr_list, parse_clamped_int,
    parse_sort_order,
};
use super::list;
use super::render::{etag, location, now, render};
use super::response::{ApiError, ApiResult, resource_response};
use crate::store::prelude::*;
use crate::store::resources::{self, StoredResource};
use crate::store::{Conn, Writer};
use crate::wire::{PendingWrite, ResourceChange};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scimlab_scim::schema::SEARCH_REQUEST_SCHEMA;
use scimlab_scim::{Quirk, ResourceKind, ScimError, patch, resource};
use serde_json::{Map, Value};

/// The `{id}` path segment, with a SCIM error when it cannot be read.
pub struct ResourceId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ResourceId {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| {
                ApiError(ScimError::not_found(format!(
                    "unreadable resource id in the url: {e}"
                )))
            })
    }
}

fn not_found(kind: ResourceKind, id: &str) -> ApiError {
    ApiError(ScimError::not_found(format!(
        "no {} with id '{id}': ids are case-sensitive; find it with GET {}?filter={} eq \"...\"",
        kind.name(),
        kind.endpoint(),
        resources::name_attr(kind)
    )))
}

/// Whether an `If-Match` / `If-None-Match` header value matches `version`.
fn etag_matches(header_value: &str, version: i64) -> bool {
    let current = version.to_string();
    header_value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == current)
}

/// The value of a precondition header (`If-Match`, `If-None-Match`), repeated headers joined
/// as one list. A value that is not ASCII text (ETags always are) is `400`: read as "no header"
/// it would turn a conditional write into an unconditional one.
fn precondition(
    headers: &HeaderMap,
    name: &header::HeaderName,
) -> Result<Option<String>, ApiError> {
    let mut values = Vec::new();
    for v in headers.get_all(name) {
        let text = v.to_str().map_err(|_| {
            ApiError(ScimError::new(
                400,
                None,
                format!(
                    "the {name} header is not ascii text: send the etag exactly as the server gave it in meta.version or ETag (e.g. W/\"3\"), or no {name} header"
                ),
            ))
        })?;
        values.push(text);
    }
    Ok((!values.is_empty()).then(|| values.join(", ")))
}

/// A stored row that cannot be read back whole (see `store::resources`): GET and PATCH answer
/// this instead of working on part of it; PUT (which replaces it) and DELETE go through.
fn unreadable(r: &StoredResource, problem: &str) -> ApiError {
    ApiError(ScimError::new(
        500,
        None,
        format!(
            "stored {} '{}' cannot be read back: {problem}; list pages serve it without what cannot be read — replace it with PUT or DELETE it",
            r.kind.name().to_ascii_lowercase(),
            r.id
        ),
    ))
}

fn check_if_match(headers: &HeaderMap, current: &StoredResource) -> Result<(), ApiError> {
    let Some(v) = precondition(headers, &header::IF_MATCH)? else {
        return Ok(());
    };
    let v = v.as_str();
    if etag_matches(v, current.version) {
        return Ok(());
    }
    Err(ApiError(ScimError::new(
        412,
        None,
        format!(
            "if-match {v} does not match the current version {} of {} '{}': get the resource again and retry with its etag",
            etag(current.version),
            current.kind.name(),
            current.id
        ),
    )))
}

/// The current row for a write: 404 when missing, 412 when `If-Match` is stale.
async fn current_for_write(
    conn: &mut Conn,
    kind: ResourceKind,
    id: &str,
    headers: &HeaderMap,
) -> Result<StoredResource, ApiError> {
    let current = conn
        .resource(kind, id)
        .await?
        .ok_or_else(|| not_found(kind, id))?;
    check_if_match(headers, &current)?;
    Ok(current)
}

/// Store a group's members and re-version the users whose `groups` changed: members who
/// joined or left and, when the group was renamed, every member (their `groups[].display`).
async fn write_members(
    conn: &mut Conn,
    before: Option<&StoredResource>,
    group: &StoredResource,
    new_members: &[Value],
    stamp: &str,
) -> Result<(), ApiError> {
    let mut affected = conn.set_members(group.pk, new_members).await?;
    let renamed = before
        .is_some_and(|b| b.attributes.get("displayName") != group.attributes.get("displayName"));
    if renamed {
        affected.extend(
            new_members
                .iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    conn.touch_users(&affected, stamp).await?;
    Ok(())
}

/// A body-less response (304, 204) that still carries the resource's ETag.
fn empty_with_etag(status: StatusCode, version: i64) -> Response {
    let mut resp = status.into_response();
    if let Ok(tag) = etag(version).parse() {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    resp
}

/// Load a user's `groups` or a group's `members` for rendering.
pub async fn related(conn: &mut Conn, r: &StoredResource) -> Result<Option<Vec<Value>>, ApiError> {
    Ok(Some(
        conn.related_members(std::slice::from_ref(r))
            .await?
            .remove(r.id.as_str())
            .unwrap_or_default(),
    ))
}

/// Split a group's `members` out of its attributes (they are stored in `group_members`).
/// Every member must carry a string `value`.
fn split_members(
    kind: ResourceKind,
    attrs: &mut Map<String, Value>,
) -> Result<Vec<Value>, ApiError> {
    if kind != ResourceKind::Group {
        attrs.remove("groups");
        return Ok(Vec::new());
    }
    let members = match attrs.remove("members") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ApiError(ScimError::invalid_value(format!(
                "'members' must be an array of {{\"value\": \"<id>\"}} objects, got {}",
                resource::json_kind(&other)
            ))));
        }
    };
    for (i, m) in members.iter().enumerate() {
        if !m.get("value").is_some_and(Value::is_string) {
            return Err(ApiError(ScimError::invalid_value(format!(
                "members[{i}] has no string 'value': send the member's id as {{\"value\": \"<id>\"}}"
            ))));
        }
    }
    Ok(members)
}

/// What the capture layer learns about the resource a request touched.
fn change_of(r: &StoredResource, before: Option<Value>, after: Option<Value>) -> ResourceChange {
    ResourceChange {
        resource_type: r.kind,
        id: r.id.clone(),
        name: r
            .attributes
            .get(resources::name_attr(r.kind))
            .and_then(Value::as_str)
            .map(str::to_owned),
        before,
        after,
    }
}

/// Attach the [`ResourceChange`] for the capture layer.
fn with_change(mut resp: Response, change: ResourceChange) -> Response {
    resp.extensions_mut().insert(change);
    resp
}

/// End a write's transaction: hand it to the capture layer, which commits it together with the
/// write's exchange ([`PendingWrite`]), or commit it here when no capture layer asked for it.
async fn finish(tx: Writer, ctx: &RequestCtx) -> Result<Option<PendingWrite>, ApiError> {
    if ctx.hand_over_writes {
        return Ok(Some(PendingWrite::new(tx)));
    }
    tx.commit().await?;
    Ok(None)
}

/// A write's answer, carrying its change and its transaction when handed over (see [`finish`]).
fn written(resp: Response, change: ResourceChange, pending: Option<PendingWrite>) -> Response {
    let mut resp = with_change(resp, change);
    if let Some(p) = pending {
        resp.extensions_mut().insert(p);
    }
    resp
}

/// The rendered resource as a response (projected), with ETag and, on create, Location.
fn respond(
    status: StatusCode,
    r: &StoredResource,
    rendered: Value,
    ctx: &RequestCtx,
    proj: &Projection,
    created: bool,
) -> Response {
    let body = resource::project(rendered, &proj.attributes, &proj.excluded);
    let loc = created.then(|| location(&ctx.base_url, r.kind, &r.id));
    resource_response(status, &body, &etag(r.version), loc.as_deref())
}

/// The current resource rendered (with `groups`/`members`), for a before/after diff.
async fn render_current(
    conn: &mut Conn,
    r: &StoredResource,
    ctx: &RequestCtx,
) -> Result<Value, ApiError> {
    let rel = related(conn, r).await?;
    Ok(render(r, rel, &ctx.base_url))
}

/// The resource after a PUT or PATCH, rendered. A user's `groups` cannot change in its own
/// write (they are read-only and split out before storage; the writer's transaction holds the
/// memberships still), so they are taken from `before` instead of read again — one statement
/// less on the path an update waits for. A group's `members` are read as written.
async fn render_after(
    conn: &mut Conn,
    updated: &StoredResource,
    before: &Value,
    ctx: &RequestCtx,
) -> Result<Value, ApiError> {
    match updated.kind {
        ResourceKind::User => {
            let groups = before
                .get("groups")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Ok(render(updated, Some(groups), &ctx.base_url))
        }
        ResourceKind::Group => render_current(conn, updated, ctx).await,
    }
}

/// `POST /Users`, `POST /Groups`.
pub async fn create(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    RawQuery(q): RawQuery,
    _headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let proj = Projection::from_query(&q)?;
    let mut attrs = ctx.with_quirks(|qk| resource::ingest(kind, body, qk))?;
    let new_members = split_members(kind, &mut attrs)?;
    let id = crate::model::ResourceId::generate();
    let mut tx = s.store.write().await?;
    let stamp = now();
    let stored = tx.insert_resource(kind, &id, &attrs, &stamp).await?;
    let rel = match kind {
        ResourceKind::Group => {
            write_members(&mut tx, None, &stored, &new_members, &stamp).await?;
            Some(tx.members_of(stored.pk).await?)
        }
        ResourceKind::User => None,
    };
    let pending = finish(tx, &ctx).await?;
    let after = render(&stored, rel, &ctx.base_url);
    let change = change_of(&stored, None, Some(after.clone()));
    Ok(written(
        respond(StatusCode::CREATED, &stored, after, &ctx, &proj, true),
        change,
        pending,
    ))
}

/// `GET /Users/{id}`, `GET /Groups/{id}`.
pub async fn get_one(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ResourceId(id): ResourceId,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult {
    let proj = Projection::from_query(&q)?;
    let if_none_match = precondition(&headers, &header::IF_NONE_MATCH)?;
    let mut conn = s.store.read().await?;
    let r = conn
        .resource(kind, &id)
        .await?
        .ok_or_else(|| not_found(kind, &id))?;
    if let Some(problem) = &r.unreadable {
        return Err(unreadable(&r, problem));
    }
    if let Some(v) = if_none_match
        && etag_matches(&v, r.version)
    {
        return Ok(with_change(
            empty_with_etag(StatusCode::NOT_MODIFIED, r.version),
            change_of(&r, None, None),
        ));
    }
    let rendered = render_current(&mut conn, &r, &ctx).await?;
    Ok(with_change(
        respond(StatusCode::OK, &r, rendered, &ctx, &proj, false),
        change_of(&r, None, None),
    ))
}

/// `PUT /Users/{id}`, `PUT /Groups/{id}`: full replace (Okta AIW apps update this way).
pub async fn replace(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ResourceId(id): ResourceId,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let proj = Projection::from_query(&q)?;
    if let Some(sent) = body.get("id").and_then(Value::as_str)
        && sent != id
    {
        return Err(ApiError(ScimError::mutability(format!(
            "the body's id '{sent}' differs from the url's id '{id}': id is immutable; send the same id or none"
        ))));
    }
    ctx.note_all(&[Quirk::PutFullReplace]);
    let mut attrs = ctx.with_quirks(|qk| resource::ingest(kind, body, qk))?;
    let new_members = split_members(kind, &mut attrs)?;
    let mut tx = s.store.write().await?;
    let stamp = now();
    let current = current_for_write(&mut tx, kind, &id, &headers).await?;
    let before = render_current(&mut tx, &current, &ctx).await?;
    let updated = tx.update_resource(&current, &attrs, &stamp).await?;
    if kind == ResourceKind::Group {
        write_members(&mut tx, Some(&current), &updated, &new_members, &stamp).await?;
    }
    let after = render_after(&mut tx, &updated, &before, &ctx).await?;
    let pending = finish(tx, &ctx).await?;
    let change = change_of(&updated, Some(before), Some(after.clone()));
    Ok(written(
        respond(StatusCode::OK, &updated, after, &ctx, &proj, false),
        change,
        pending,
    ))
}

/// `PATCH /Users/{id}`, `PATCH /Groups/{id}`. Groups answer 204 (as Entra advises) unless the
/// client asked for `attributes`; users answer 200 with the resource.
pub async fn patch(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ResourceId(id): ResourceId,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let proj = Projection::from_query(&q)?;
    scimlab_scim::limits::check_patch(&body)?;
    let ops = ctx.with_quirks(|qk| patch::parse_patch(&body, kind, qk))?;
    let mut tx = s.store.write().await?;
    let stamp = now();
    let current = current_for_write(&mut tx, kind, &id, &headers).await?;
    if let Some(problem) = &current.unreadable {
        return Err(unreadable(&current, problem));
    }
    let before = render_current(&mut tx, &current, &ctx).await?;
    if ops.is_empty() {
        // An empty `Operations` (tolerated, labelled): nothing changes, no version is spent.
        tx.rollback().await?;
        return Ok(respond(
            StatusCode::OK,
            &current,
            before,
            &ctx,
            &proj,
            false,
        ));
    }
    let mut full = current.attributes.clone();
    full.insert("id".into(), Value::String(current.id.to_string()));
    if kind == ResourceKind::Group {
        // `before` was rendered with the members just now: reuse them, don't read them twice.
        let current_members = before
            .get("members")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        full.insert("members".into(), current_members);
    }
    ctx.with_quirks(|qk| patch::apply_patch(&mut full, &ops, kind, qk))?;
    full.remove("id");
    full.remove("meta");
    let new_members = split_members(kind, &mut full)?;
    resource::validate_required(kind, &full)?;
    let updated = tx.update_resource(&current, &full, &stamp).await?;
    if kind == ResourceKind::Group {
        write_members(&mut tx, Some(&current), &updated, &new_members, &stamp).await?;
    }
    let after = render_after(&mut tx, &updated, &before, &ctx).await?;
    let pending = finish(tx, &ctx).await?;
    let change = change_of(&updated, Some(before), Some(after.clone()));
    if kind == ResourceKind::Group && proj.attributes.is_empty() {
        return Ok(written(
            empty_with_etag(StatusCode::NO_CONTENT, updated.version),
            change,
            pending,
        ));
    }
    Ok(written(
        respond(StatusCode::OK, &updated, after, &ctx, &proj, false),
        change,
        pending,
    ))
}

/// `DELETE /Users/{id}`, `DELETE /Groups/{id}`. A deleted user leaves every group it was in.
pub async fn delete(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> ApiResult {
    let mut tx = s.store.write().await?;
    let stamp = now();
    let current = current_for_write(&mut tx, kind, &id, &headers).await?;
    let before = render_current(&mut tx, &current, &ctx).await?;
    if kind == ResourceKind::User {
        let groups = tx.remove_member_everywhere(&id).await?;
        tx.touch_resources(&groups, &stamp).await?;
    }
    tx.delete_resource(kind, &id).await?;
    let pending = finish(tx, &ctx).await?;
    Ok(written(
        StatusCode::NO_CONTENT.into_response(),
        change_of(&current, Some(before), None),
        pending,
    ))
}

/// `GET /Users`, `GET /Groups`.
pub async fn list(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = ListParams::from_query(&q)?;
    list::run(kind, &s, &ctx, params).await
}

/// `POST /Users/.search`, `POST /Groups/.search` (RFC 7644 §3.4.3).
pub async fn search(
    kind: ResourceKind,
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let params = search_params(&body, &ctx)?;
    list::run(kind, &s, &ctx, params).await
}

/// `POST /.search` at the service root (RFC 7644 §3.4.3): Users and Groups in one query.
pub async fn search_all(
    State(s): State<ScimState>,
    ctx: RequestCtx,
    ScimBody(body): ScimBody,
) -> ApiResult {
    let params = search_params(&body, &ctx)?;
    list::run_all(&s, &ctx, params).await
}

fn search_params(body: &Value, ctx: &RequestCtx) -> Result<ListParams, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(ScimError::invalid_syntax(
            "a search request must be a json object with 'filter', 'startIndex', 'count', ...",
        ));
    };
    let get = |name: &str| resource::find_key(obj, name).and_then(|k| obj.get(k));
    let has_schema = get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(SEARCH_REQUEST_SCHEMA)));
    if !has_schema {
        ctx.with_quirks(|q| {
            q.tolerate(Quirk::MissingSchemas, || {
                ScimError::invalid_syntax(format!(
                    "'schemas' must be [\"{SEARCH_REQUEST_SCHEMA}\"] (strict mode)"
                ))
            })
        })?;
    }
    let string = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ScimError::invalid_value(format!(
                "'{name}' must be a string, got {other}"
            ))),
        }
    };
    // Numbers out of range (or written as 1e9, 2.5) are clamped like the query parameters'.
    let int = |name: &str| -> Result<Option<i64>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => parse_clamped_int(name, &n.to_string()).map(Some),
            Some(Value::String(s)) => parse_clamped_int(name, s).map(Some),
            Some(other) => Err(ScimError::invalid_value(format!(
                "'{name}' must be a whole number, got {other}"
            ))),
        }
    };
    let attr_list = |name: &str| -> Result<Vec<scimlab_scim::filter::AttrPath>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => parse_attr_list(name, s),
            Some(Value::Array(items)) => {
                let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                parse_attr_list(name, &joined.join(","))
            }
            Some(other) => Err(ScimError::invalid_value(format!(
                "'{name}' must be an array of attribute names, got {other}"
            ))),
        }
    };
    Ok(ListParams {
        filter: string("filter")?,
        start_index: int("startIndex")?,
        count: int("count")?,
        sort_by: string("sortBy")?
            .map(|s| {
                scimlab_scim::filter::parse_attr_path(&s)
                    .map_err(|e| ScimError::invalid_value(format!("sortBy: {}", e.detail)))
            })
            .transpose()?,
        descending: string("sortOrder")?
            .map(|s| parse_sort_order(&s))
            .transpose()?
            .unwrap_or(false),
        attributes: attr_list("attributes")?,
        excluded: attr_list("excludedAttributes")?,
    })
}

#[cfg(test)]
mod tests {
    use super::{etag_matches, precondition};
    use axum::http::{HeaderMap, HeaderValue, header};

    /// Issue 11 §7: a non-ascii If-Match is a 400, never "no header" (an unconditional write).
    #[test]
    fn preconditions_that_are_not_ascii_are_refused() {
        let mut h = HeaderMap::new();
        assert_eq!(precondition(&h, &header::IF_MATCH).unwrap(), None);
        h.append(header::IF_MATCH, HeaderValue::from_static("W/\"1\""));
        h.append(header::IF_MATCH, HeaderValue::from_static("W/\"3\""));
        let joined = precondition(&h, &header::IF_MATCH).unwrap().unwrap();
        assert!(etag_matches(&joined, 3), "repeated headers are one list");
        h.append(
            header::IF_MATCH,
            HeaderValue::from_bytes(b"W/\"\xff\"").unwrap(),
        );
        let e = precondition(&h, &header::IF_MATCH).unwrap_err().0;
        assert_eq!(e.status, 400);
        assert!(
            e.detail.contains("if-match") && e.detail.contains("ascii"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn etags_match_weak_strong_lists_and_star() {
        assert!(etag_matches("W/\"3\"", 3));
        assert!(etag_matches("\"3\"", 3));
        assert!(etag_matches("W/\"1\", W/\"3\"", 3));
        assert!(etag_matches("*", 9));
        assert!(!etag_matches("W/\"2\"", 3));
    }
}
