//! `/api/workspaces`: the directory of workspaces (list, create, rename, delete, export,
//! import) and every other workspace's own routes under `/api/workspaces/<slug>/…` (the same
//! routes `default` has under `/api/…`: the request is handed to that workspace's router).
//!
//! The work is [`crate::workspace`]'s; this module parses, answers, and copies settings when a
//! workspace is created as a duplicate.

use super::model::{DeletedWorkspace, NewWorkspace, RenameWorkspace, WorkspaceInfo};
use super::{AdminError, AdminResult, AdminState, mask_key};
use crate::auth;
use crate::store::prelude::*;
use crate::workspace::{WorkspaceError, WorkspaceRuntime};
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower::ServiceExt;

/// Largest export file `POST /api/workspaces/import` takes.
pub const IMPORT_LIMIT: usize = 1024 * 1024 * 1024;

impl From<WorkspaceError> for AdminError {
    fn from(e: WorkspaceError) -> Self {
        match e {
            WorkspaceError::NotFound(_) => AdminError::not_found(e.to_string()),
            WorkspaceError::Exists(_) => AdminError::new(StatusCode::CONFLICT, e.to_string()),
            WorkspaceError::DefaultUndeletable => {
                AdminError::new(StatusCode::CONFLICT, e.to_string())
            }
            WorkspaceError::Slug(_) | WorkspaceError::Name(_) | WorkspaceError::Template(_) => {
                AdminError::bad_request(e.to_string())
            }
            WorkspaceError::File { .. } => AdminError::new(StatusCode::CONFLICT, e.to_string()),
            WorkspaceError::Store(store) => store.into(),
            WorkspaceError::Data(crate::database::DataError::Store(store)) => store.into(),
            WorkspaceError::Open(_) | WorkspaceError::Data(_) => AdminError::internal(&e),
        }
    }
}

/// What the list and the other routes say of workspace `w`.
async fn info(state: &AdminState, w: &WorkspaceRuntime) -> AdminResult<WorkspaceInfo> {
    use scimlab_scim::ResourceKind;
    let mut r = w.store.read().await?;
    let key = r
        .setting(auth::KEY_SETTING)
        .await?
        .unwrap_or_else(|| w.cached_key());
    let users = r.count_resources(ResourceKind::User).await?;
    let groups = r.count_resources(ResourceKind::Group).await?;
    let exchanges = r.count_exchanges().await?;
    let last = r.exchange_outlines(1).await?;
    let base_path = w.slug.scim_base_path();
    let tunnel = state.tunnel.state();
    Ok(WorkspaceInfo {
        slug: w.slug.clone(),
        name: w.name(),
        created: w.created.clone(),
        template: w.template.clone(),
        tenant_url: format!("http://{}{base_path}", state.fixed.scim_addr),
        public_tenant_url: tunnel
            .public_url
            .filter(|_| tunnel.tenant_url.is_some())
            .map(|u| format!("{}{base_path}", u.trim_end_matches('/'))),
        key_masked: mask_key(&key),
        users,
        groups,
        exchanges,
        last_exchange_at: last
            .first()
            .map(|o| o.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        api_base: if w.slug.is_default() {
            "/api".into()
        } else {
            format!("/api/workspaces/{}", w.slug)
        },
    })
}

fn find(state: &AdminState, slug: &str) -> AdminResult<Arc<WorkspaceRuntime>> {
    state
        .workspaces
        .get(slug)
        .ok_or_else(|| WorkspaceError::NotFound(slug.chars().take(80).collect()).into())
}

/// `GET /api/workspaces`: every workspace, `default` first (also the ones `scimlab workspace
/// create|import` made while the engine runs).
pub async fn list(State(state): State<AdminState>) -> AdminResult<Json<Vec<WorkspaceInfo>>> {
    state.workspaces.refresh().await?;
    let mut out = Vec::new();
    for w in state.workspaces.list() {
        out.push(info(&state, &w).await?);
    }
    Ok(Json(out))
}

/// `GET /api/workspaces/{slug}`.
pub async fn get_one(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
) -> AdminResult<Json<WorkspaceInfo>> {
    let w = find(&state, &slug)?;
    Ok(Json(info(&state, &w).await?))
}

/// `POST /api/workspaces`: create (optionally from a template, or with the settings of another
/// workspace); `201` with the new workspace.
pub async fn create(
    State(state): State<AdminState>,
    body: Result<Json<NewWorkspace>, JsonRejection>,
) -> AdminResult<(StatusCode, Json<WorkspaceInfo>)> {
    let Json(new) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "invalid workspace body: {}; send {{\"name\": \"Contoso Entra\", \"template\": \"entra-guide\"|\"okta-guide\" (optional), \"copySettingsFrom\": \"<slug>\" (optional)}}",
            e.body_text().to_lowercase()
        ))
    })?;
    let source = match new.copy_settings_from.as_deref() {
        Some(slug) => Some(find(&state, slug)?),
        None => None,
    };
    let created = state
        .workspaces
        .create(&new.name, new.template.as_deref())
        .await?;
    if let Some(source) = source {
        copy_settings(&source, &created).await?;
    }
    tracing::info!(workspace = %created.slug, "workspace created from the admin api");
    Ok((StatusCode::CREATED, Json(info(&state, &created).await?)))
}

/// Copy `from`'s settings into `to`: saved profiles and the one in force, fault rules, strict
/// mode and retention. No data, not the key.
async fn copy_settings(from: &WorkspaceRuntime, to: &WorkspaceRuntime) -> AdminResult<()> {
    let (profiles, active) = {
        let mut r = from.store.read().await?;
        (r.saved_profiles().await?, r.active_profile().await?)
    };
    let rules = super::faults::load(&from.store).await?;
    let now = crate::wire::now();
    let mut w = to.store.write().await?;
    for (id, json) in &profiles {
        w.save_profile(id, json, &now).await?;
    }
    w.set_active_profile(&active).await?;
    w.set_setting(crate::STRICT_SETTING, &from.settings.strict().to_string())
        .await?;
    w.set_setting(
        crate::RETENTION_SETTING,
        &from.settings.retention().to_string(),
    )
    .await?;
    w.commit().await?;
    super::faults::save(&to.store, &rules).await?;
    to.settings
        .apply(
            Some(from.settings.strict()),
            Some(from.settings.retention()),
        )
        .map_err(AdminError::bad_request)?;
    if let Ok(set) = crate::faults::FaultSet::from_rules(rules) {
        to.faults.with(|s| *s = set);
    }
    Ok(())
}

/// `PATCH /api/workspaces/{slug}`: rename (the slug, and so the tenant URL, stays).
pub async fn rename(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    body: Result<Json<RenameWorkspace>, JsonRejection>,
) -> AdminResult<Json<WorkspaceInfo>> {
    let Json(body) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "invalid rename body: {}; send {{\"name\": \"<new name>\"}}",
            e.body_text().to_lowercase()
        ))
    })?;
    let w = state.workspaces.rename(&slug, &body.name).await?;
    Ok(Json(info(&state, &w).await?))
}

/// `DELETE /api/workspaces/{slug}`: erase a workspace for good (its database file is removed);
/// answers what was erased. `default` cannot be deleted (reset it instead).
pub async fn delete(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
) -> AdminResult<Json<DeletedWorkspace>> {
    let w = find(&state, &slug)?;
    if w.slug.is_default() {
        return Err(WorkspaceError::DefaultUndeletable.into());
    }
    let counts = info(&state, &w).await?;
    drop(w);
    let record = state.workspaces.delete(&slug).await?;
    tracing::info!(workspace = %record.slug, "workspace deleted from the admin api");
    Ok(Json(DeletedWorkspace {
        slug: record.slug.to_string(),
        name: record.name,
        users: counts.users,
        groups: counts.groups,
        exchanges: counts.exchanges,
    }))
}

/// A temporary file beside the workspaces' databases (same file system as where an import
/// lands), removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(state: &AdminState, suffix: &str) -> AdminResult<Self> {
        // Beside the SQLite files; on PostgreSQL, in the system's temporary directory.
        let dir = match state.workspaces.database() {
            crate::database::Database::Sqlite(main) => main
                .parent()
                .unwrap_or_else(|| std::path::Path::new(""))
                .join("workspaces"),
            crate::database::Database::Postgres(_) => std::env::temp_dir().join("scimlab"),
        };
        crate::create_private_dir(&dir).map_err(|e| AdminError::internal(&e))?;
        let name = format!(
            ".transfer-{}{suffix}",
            auth::generate_key().map_err(|e| AdminError::internal(&e))?
        );
        Ok(Self(dir.join(name)))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let mut partial = self.0.as_os_str().to_owned();
        partial.push(".partial");
        let _ = std::fs::remove_file(partial);
    }
}

/// `GET /api/workspaces/{slug}/export[?pseudonymise=true]`: the workspace as one `.scimlab`
/// file (a SQLite database without its key), as a download.
pub async fn export(
    State(state): State<AdminState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> AdminResult<Response> {
    let pairs = super::query_pairs(query.as_deref(), &["pseudonymise"])?;
    let pseudonymise = match pairs.iter().find(|(k, _)| k == "pseudonymise") {
        None => false,
        Some((_, v)) if v == "true" || v == "1" || v.is_empty() => true,
        Some((_, v)) if v == "false" || v == "0" => false,
        Some((_, v)) => {
            return Err(AdminError::bad_request(format!(
                "invalid pseudonymise '{v}': use true or false"
            )));
        }
    };
    let w = find(&state, &slug)?;
    let file = TempFile::new(&state, ".scimlab")?;
    let summary = crate::workspace::export(&w.store, &w.record(), &file.0, pseudonymise).await?;
    let bytes = tokio::fs::read(&file.0)
        .await
        .map_err(|e| AdminError::internal(&e))?;
    tracing::info!(workspace = %w.slug, bytes = summary.bytes, pseudonymise, "workspace exported");
    let name = format!(
        "{}{}.scimlab",
        w.slug,
        if pseudonymise { "-pseudonymised" } else { "" }
    );
    let mut resp = (StatusCode::OK, Body::from(bytes)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.sqlite3"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `POST /api/workspaces/import[?name=NAME]` with an export file as the body: a new workspace
/// (a new key); `201` with it. A file that is not an export, from a newer ScimLab, or damaged
/// is refused with `400` and nothing changes.
pub async fn import(
    State(state): State<AdminState>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> AdminResult<(StatusCode, Json<WorkspaceInfo>)> {
    let pairs = super::query_pairs(query.as_deref(), &["name"])?;
    let name = pairs.into_iter().find(|(k, _)| k == "name").map(|(_, v)| v);
    if body.is_empty() {
        return Err(AdminError::bad_request(
            "the request body is empty: send the .scimlab file as the body",
        ));
    }
    let file = TempFile::new(&state, ".scimlab")?;
    tokio::fs::write(&file.0, &body)
        .await
        .map_err(|e| AdminError::internal(&e))?;
    let w = state
        .workspaces
        .import(&file.0, name.as_deref())
        .await
        .map_err(|e| match e {
            crate::workspace::ImportFailure::File(f) => match f {
                crate::store::hand_over::ImportError::Store(s) => AdminError::internal(&s),
                other => AdminError::bad_request(
                    other
                        .to_string()
                        .replace(&file.0.display().to_string(), "the file"),
                ),
            },
            crate::workspace::ImportFailure::Workspace(w) => w.into(),
        })?;
    tracing::info!(workspace = %w.slug, "workspace imported from the admin api");
    Ok((StatusCode::CREATED, Json(info(&state, &w).await?)))
}

/// `/api/workspaces/{slug}/{rest…}`: workspace `slug`'s own route `/api/{rest…}`.
pub async fn dispatch(
    State(state): State<AdminState>,
    Path((slug, rest)): Path<(String, String)>,
    req: Request,
) -> AdminResult<Response> {
    let mut req = req;
    let w = match state.workspaces.get(&slug) {
        Some(w) => w,
        None => {
            state.workspaces.refresh().await?;
            find(&state, &slug)?
        }
    };
    let target = match req.uri().query() {
        Some(q) => format!("/api/{rest}?{q}"),
        None => format!("/api/{rest}"),
    };
    let uri: axum::http::Uri = target
        .parse()
        .map_err(|_| AdminError::bad_request(format!("invalid path '/api/{rest}'")))?;
    // A new request, so the workspace's router sees only its own path parameters (this
    // route's `slug` and `rest` travel in the request's extensions otherwise).
    let connect = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    let (parts, body) = std::mem::take(&mut req).into_parts();
    let mut forwarded = Request::new(body);
    *forwarded.method_mut() = parts.method;
    *forwarded.uri_mut() = uri;
    *forwarded.version_mut() = parts.version;
    *forwarded.headers_mut() = parts.headers;
    if let Some(c) = connect {
        forwarded.extensions_mut().insert(c);
    }
    match w.admin.clone().oneshot(forwarded).await {
        Ok(resp) => Ok(resp),
        Err(never) => match never {},
    }
}
