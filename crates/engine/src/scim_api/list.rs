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
use super::response::{ApiError, ApiResult, scim_json};
use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::store::Conn;
use crate::store::prelude::*;
use crate::store::resources::{self, IndexHint, SqlOrder, StoredResource};
use axum::http::StatusCode;
use scimlab_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scimlab_scim::schema::LIST_RESPONSE_SCHEMA;
use scimlab_scim::{ResourceKind, ScimError, resource};
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

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

/// A user's `groups` and a group's `members`: not stored with the resource (`group_members`).
const RELATED: [&str; 2] = ["groups", "members"];
/// Attributes the server adds when it renders a resource: `id`, `meta`, and the related ones.
const SERVER_OWNED: [&str; 4] = ["id", "meta", "groups", "members"];

/// Whether `f` refers to any of `names` (top-level attribute names, any case; inside a value
/// filter the paths are relative to the element, so only the outer path counts).
fn mentions(f: &Filter, names: &[&str]) -> bool {
    let named = |p: &AttrPath| names.iter().any(|n| p.name.eq_ignore_ascii_case(n));
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => mentions(a, names) || mentions(b, names),
        Filter::Not(a) => mentions(a, names),
        Filter::Present(p)
        | Filter::Compare { path: p, .. }
        | Filter::ValuePath { path: p, .. } => named(p),
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
    rows: &[StoredResource],
) -> Result<HashMap<String, Vec<Value>>, ApiError> {
    Ok(conn.related_members(rows).await?)
}

/// Bounds the list requests no index answers (strategy 3): at most one scan at a time per
/// engine, and each within a time budget counted from the start of the request, waiting for its
/// turn included. Past the budget the answer is `503` with `Retry-After`, so an unindexed `co`
/// filter over 100 000 users never holds a reader (or a core) for more than about a second, and
/// a burst of them queues behind one scan instead of taking every reader from the lookups IdPs
/// make. A tokio semaphore, not a std mutex: the permit is held across awaits.
#[derive(Debug)]
pub struct ScanGate {
    budget: Duration,
    one_at_a_time: Semaphore,
}

impl ScanGate {
    /// A gate whose scans may run for `budget` each.
    pub fn new(budget: Duration) -> Arc<Self> {
        Arc::new(Self {
            budget,
            one_at_a_time: Semaphore::new(1),
        })
    }
}

/// Rows read per page of a scan; the budget is checked between pages.
const SCAN_PAGE: i64 = 500;

/// A scan that ran out of its time budget (or waited past it for its turn): `503`, which
/// `response.rs` sends with `Retry-After`.
fn over_budget(budget: Duration, kind: ResourceKind, filter: Option<&str>) -> ApiError {
    let what = filter.map_or_else(
        || "this sort order".to_owned(),
        |f| format!("the filter '{f}'"),
    );
    ApiError(ScimError::new(
        503,
        None,
        format!(
            "{what} needs a scan of every {} that did not finish within the {} ms budget (no index answers it): \
             filter with eq on id, externalId or {} (alone or and-ed), or retry later",
            kind.name().to_lowercase(),
            budget.as_millis(),
            resources::name_attr(kind),
        ),
    ))
}

/// One resource that matched while a sorted list is collected: what sorting needs, not the row.
struct Hit {
    kind: ResourceKind,
    pk: i64,
    key: Option<Value>,
}

/// Collects the matches of a list request in memory bounded by the page, not by the table:
/// unsorted, only the rows inside the requested window are kept (the rest are counted); sorted,
/// each match keeps only its sort key and row key, and the page's rows are read again at the end.
struct Collector<'a> {
    sort: Option<&'a AttrPath>,
    descending: bool,
    offset: usize,
    count: usize,
    total: usize,
    hits: Vec<Hit>,
    /// Unsorted: the matches inside the window, with their row when it was read whole.
    window: Vec<(ResourceKind, i64, Option<StoredResource>)>,
}

impl<'a> Collector<'a> {
    fn new(p: &'a ListParams, start_index: i64, count: i64) -> Self {
        Self {
            sort: p.sort_by.as_ref(),
            descending: p.descending,
            offset: usize::try_from(start_index - 1).unwrap_or(usize::MAX),
            count: usize::try_from(count).unwrap_or(0),
            total: 0,
            hits: Vec::new(),
            window: Vec::new(),
        }
    }

    /// A resource matched: count it, and when sorting keep its key (from `seen`, what the
    /// filter saw). Call [`Self::offer_row`] with the row next.
    fn offer_key(&mut self, kind: ResourceKind, pk: i64, seen: &Value) {
        self.total += 1;
        if let Some(path) = self.sort {
            self.hits.push(Hit {
                kind,
                pk,
                key: sort_key(seen, path),
            });
        }
    }

    /// The match just counted: kept when unsorted and inside the requested window (its row, if
    /// it was read whole; else it is read again by key at the end).
    fn offer_row(&mut self, kind: ResourceKind, pk: i64, row: Option<StoredResource>) {
        let position = self.total - 1;
        if self.sort.is_none() && position >= self.offset && position - self.offset < self.count {
            self.window.push((kind, pk, row));
        }
    }

    /// The total and the page, rendered with each resource's groups or members.
    async fn finish(
        mut self,
        conn: &mut Conn,
        base_url: &str,
    ) -> Result<(usize, Vec<Value>), ApiError> {
        let total = self.total;
        let page: Vec<(ResourceKind, i64, Option<StoredResource>)> = if self.sort.is_some() {
            // A stable sort: equal keys keep the order they were found in (creation order,
            // Users before Groups for the root search).
            let descending = self.descending;
            self.hits.sort_by(|a, b| match (&a.key, &b.key) {
                (Some(x), Some(y)) => {
                    let o = compare_values(x, y);
                    if descending { o.reverse() } else { o }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            });
            self.hits
                .iter()
                .skip(self.offset)
                .take(self.count)
                .map(|h| (h.kind, h.pk, None))
                .collect()
        } else {
            self.window
        };
        // Read the page's rows that were not kept whole, by key.
        let mut found: HashMap<(ResourceKind, i64), StoredResource> = HashMap::new();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let pks: Vec<i64> = page
                .iter()
                .filter(|(k, _, row)| *k == kind && row.is_none())
                .map(|(_, pk, _)| *pk)
                .collect();
            for r in conn.resources_by_pks(kind, &pks).await? {
                found.insert((kind, r.pk), r);
            }
        }
        // A row deleted since it was matched is left out of the page.
        let rows: Vec<(ResourceKind, StoredResource)> = page
            .into_iter()
            .filter_map(|(k, pk, row)| row.or_else(|| found.remove(&(k, pk))).map(|r| (k, r)))
            .collect();
        let mut related = HashMap::new();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let of_kind: Vec<StoredResource> = rows
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, r)| r.clone())
                .collect();
            if !of_kind.is_empty() {
                related.extend(load_related(conn, &of_kind).await?);
            }
        }
        let page = rows
            .iter()
            .map(|(_, r)| render(r, related.remove(r.id.as_str()), base_url))
            .collect();
        Ok((total, page))
    }
}

/// Feed the resources of `kind` that `filter` matches to `out`: the few rows an index finds,
/// or (no index) every row, a page at a time, until `deadline`.
async fn collect(
    conn: &mut Conn,
    kind: ResourceKind,
    filter: Option<&Filter>,
    view: View,
    base_url: &str,
    scan_deadline: Option<Instant>,
    out: &mut Collector<'_>,
) -> Result<(), Stop> {
    if let Some(hint) = filter.and_then(|f| index_hint(f, kind)) {
        let rows = conn.lookup_resources(kind, &hint).await?;
        return Ok(evaluate(conn, kind, filter, view, base_url, rows, out).await?);
    }
    let mut after = 0;
    loop {
        if scan_deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Stop::OverBudget);
        }
        if let View::Stored = view {
            // Only keys and attributes are read and parsed; the page's few rows are read whole
            // at the end.
            let page = conn.attributes_after(kind, after, SCAN_PAGE).await?;
            let Some(last) = page.last else {
                return Ok(());
            };
            after = last;
            for (pk, attributes) in page.rows {
                let Some(attributes) = attributes else {
                    // An unreadable row: read it whole, which keeps what can be read (as
                    // every list does), and evaluate that.
                    let whole = conn.resources_by_pks(kind, &[pk]).await?;
                    evaluate(conn, kind, filter, view, base_url, whole, out).await?;
                    continue;
                };
                let v = Value::Object(attributes);
                if filter.is_none_or(|f| f.matches(&v, kind)) {
                    out.offer_key(kind, pk, &v);
                    out.offer_row(kind, pk, None);
                }
            }
        } else {
            let rows = conn.resources_after(kind, after, SCAN_PAGE).await?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.pk;
            evaluate(conn, kind, filter, view, base_url, rows, out).await?;
        }
    }
}

/// Evaluate whole rows (an index's candidates, or a page of a scan that needs rendering).
async fn evaluate(
    conn: &mut Conn,
    kind: ResourceKind,
    filter: Option<&Filter>,
    view: View,
    base_url: &str,
    rows: Vec<StoredResource>,
    out: &mut Collector<'_>,
) -> Result<(), ApiError> {
    match view {
        View::Stored => {
            for mut r in rows {
                let v = Value::Object(std::mem::take(&mut r.attributes));
                if filter.is_none_or(|f| f.matches(&v, kind)) {
                    out.offer_key(kind, r.pk, &v);
                    let Value::Object(attributes) = v else {
                        unreachable!("built as an object above")
                    };
                    r.attributes = attributes;
                    out.offer_row(kind, r.pk, Some(r));
                }
            }
        }
        View::Rendered { related } => {
            let mut related = if related {
                load_related(conn, &rows).await?
            } else {
                HashMap::new()
            };
            for r in rows {
                let v = render(&r, related.remove(r.id.as_str()), base_url);
                if filter.is_none_or(|f| f.matches(&v, kind)) {
                    out.offer_key(kind, r.pk, &v);
                    out.offer_row(kind, r.pk, Some(r));
                }
            }
        }
    }
    Ok(())
}

/// Why collecting stopped early: the scan's deadline passed (the caller, which knows the filter
/// and the budget, answers [`over_budget`]), or any other failure.
enum Stop {
    OverBudget,
    Failed(ApiError),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Self::Failed(e)
    }
}

impl From<crate::store::StoreError> for Stop {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

/// Whether a list of `kind` under `filter` has to scan (no index, or a sort SQL cannot do).
fn must_scan(kind: ResourceKind, filter: Option<&Filter>) -> bool {
    filter.is_none_or(|f| index_hint(f, kind).is_none())
}

/// Whether filtering or sorting refers to any of `names`.
fn needs(filter: Option<&Filter>, p: &ListParams, names: &[&str]) -> bool {
    filter.is_some_and(|f| mentions(f, names))
        || p.sort_by
            .as_ref()
            .is_some_and(|s| names.iter().any(|n| s.name.eq_ignore_ascii_case(n)))
}

/// What a filter and a sort key are evaluated against while collecting.
#[derive(Clone, Copy)]
enum View {
    /// The stored attributes alone, moved into a `Value` and back (no copy): enough when
    /// neither the filter nor the sort refers to an attribute the server adds.
    Stored,
    /// The resource as rendered (`id`, `meta`; with `groups`/`members` when `related`).
    Rendered {
        /// Load each candidate's groups or members first.
        related: bool,
    },
}

impl View {
    fn of(filter: Option<&Filter>, p: &ListParams) -> Self {
        if needs(filter, p, &SERVER_OWNED) {
            Self::Rendered {
                related: needs(filter, p, &RELATED),
            }
        } else {
            Self::Stored
        }
    }
}

/// Run `work` (which scans) inside the gate: wait for the one scan slot until the deadline,
/// and turn a deadline passed anywhere into the `503` naming the budget.
async fn within_budget<T>(
    gate: &ScanGate,
    deadline: Instant,
    kind: ResourceKind,
    p: &ListParams,
    work: impl Future<Output = Result<T, Stop>>,
) -> Result<T, ApiError> {
    let over = || over_budget(gate.budget, kind, p.filter.as_deref().map(str::trim));
    let Ok(Ok(_permit)) =
        tokio::time::timeout_at(deadline.into(), gate.one_at_a_time.acquire()).await
    else {
        return Err(over());
    };
    match work.await {
        Ok(t) => Ok(t),
        Err(Stop::OverBudget) => Err(over()),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// Run a list request and build the ListResponse.
pub async fn run(kind: ResourceKind, s: &ScimState, ctx: &RequestCtx, p: ListParams) -> ApiResult {
    let started = Instant::now();
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
    let mut conn = s.store.read().await?;

    let (total, page): (usize, Vec<Value>) = match (&filter, sql_order(kind, p.sort_by.as_ref())) {
        (None, Some(order)) => {
            let total = conn.count_resources(kind).await?;
            let rows = if count == 0 {
                Vec::new()
            } else {
                conn.resource_page(kind, order, p.descending, offset, count)
                    .await?
            };
            let mut related = load_related(&mut conn, &rows).await?;
            let page = rows
                .iter()
                .map(|r| render(r, related.remove(r.id.as_str()), &ctx.base_url))
                .collect();
            (usize::try_from(total).unwrap_or(0), page)
        }
        _ => {
            let view = View::of(filter.as_ref(), &p);
            let mut out = Collector::new(&p, start_index, count);
            if must_scan(kind, filter.as_ref()) {
                let deadline = started + s.scans.budget;
                within_budget(&s.scans, deadline, kind, &p, async {
                    collect(
                        &mut conn,
                        kind,
                        filter.as_ref(),
                        view,
                        &ctx.base_url,
                        Some(deadline),
                        &mut out,
                    )
                    .await?;
                    Ok(out.finish(&mut conn, &ctx.base_url).await?)
                })
                .await?
            } else {
                if let Err(Stop::Failed(e)) = collect(
                    &mut conn,
                    kind,
                    filter.as_ref(),
                    view,
                    &ctx.base_url,
                    None,
                    &mut out,
                )
                .await
                {
                    return Err(e);
                }
                out.finish(&mut conn, &ctx.base_url).await?
            }
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
/// Rare in IdP traffic (peer test suites send it); it takes the same bounded path as a list
/// (indexed lookups where the filter allows, else a scan within the budget).
pub async fn run_all(s: &ScimState, ctx: &RequestCtx, p: ListParams) -> ApiResult {
    let started = Instant::now();
    let start_index = p.start_index.unwrap_or(1).max(1);
    let count = p
        .count
        .unwrap_or(DEFAULT_PAGE_SIZE as i64)
        .clamp(0, MAX_PAGE_SIZE as i64);
    let mut filters = Vec::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let filter = match p.filter.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => Some(ctx.with_quirks(|q| Filter::parse(f, kind, q))?),
            _ => None,
        };
        filters.push((kind, filter));
    }
    let mut conn = s.store.read().await?;
    let mut out = Collector::new(&p, start_index, count);
    let deadline = started + s.scans.budget;
    let scans = filters.iter().any(|(k, f)| must_scan(*k, f.as_ref()));
    let work = async {
        for (kind, filter) in &filters {
            let view = View::of(filter.as_ref(), &p);
            collect(
                &mut conn,
                *kind,
                filter.as_ref(),
                view,
                &ctx.base_url,
                Some(deadline),
                &mut out,
            )
            .await?;
        }
        Ok(out.finish(&mut conn, &ctx.base_url).await?)
    };
    let (total, page) = if scans {
        within_budget(&s.scans, deadline, ResourceKind::User, &p, work).await?
    } else {
        match work.await {
            Ok(t) => t,
            Err(Stop::Failed(e)) => return Err(e),
            Err(Stop::OverBudget) => unreachable!("only scans have a deadline"),
        }
    };
    Ok(list_response(total, start_index, page, &p))
}
