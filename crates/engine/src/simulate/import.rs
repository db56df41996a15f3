//! The `import` scenario: Okta's "Import New Users and Profile Updates" — read-only.
//!
//! The connector test (`GET /Users?startIndex=1&count=2`), then every user and every group,
//! page by page: `GET /Users?startIndex=1&count=100`, `startIndex` += 100 until `totalResults`
//! is reached (idp-traffic.md §8). Besides each page's own verdict (200, a ListResponse with
//! integers) the pages must add up: `startIndex` echoed, no more than `count` per page,
//! `itemsPerPage` equal to the resources sent, the same `totalResults` on every page, no
//! resource twice (stable ordering), every resource with an `id`, and as many distinct
//! resources as `totalResults` says. It never writes, so it is safe against production.
//! An app without groups (a `404` or `501` on the first `/Groups` page) passes with a note and
//! only its users are imported.

use super::runner::{Request, Run};
use super::verdict::Expect;
use serde_json::Value;
use std::collections::HashSet;

/// Okta's page size.
pub const PAGE: u64 = 100;
/// Most pages read per resource type (a target that never stops paging is cut off here).
pub const MAX_PAGES: u64 = 10_000;

/// Steps expected (progress only; the page count is known after the first page).
pub fn estimate() -> u32 {
    3
}

/// What paging has seen so far.
#[derive(Debug, Default)]
pub struct Pager {
    /// `totalResults` of the first page.
    pub total: Option<u64>,
    /// Ids seen on earlier pages.
    pub seen: HashSet<String>,
}

impl Pager {
    /// Check one page asked with `start`; `Err` explains what breaks Okta's import. On success
    /// returns whether another page is needed.
    pub fn page(&mut self, start: u64, body: Option<&Value>) -> Result<bool, String> {
        let Some(body) = body else {
            return Err("the page is not json".into());
        };
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if let Some(first) = self.total
            && first != total
        {
            return Err(format!(
                "totalResults changed from {first} to {total} between pages: okta needs a stable total to know when to stop"
            ));
        }
        self.total = Some(total);
        if let Some(got) = body.get("startIndex").and_then(Value::as_u64)
            && got != start
        {
            return Err(format!(
                "asked for startIndex {start}, the page says startIndex {got}: paging is ignored, so okta would read the same users again"
            ));
        }
        let resources: Vec<&Value> = body
            .get("Resources")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        if resources.len() as u64 > PAGE {
            return Err(format!(
                "{} resources for count={PAGE}: a page must not hold more than count",
                resources.len()
            ));
        }
        if let Some(n) = body.get("itemsPerPage").and_then(Value::as_u64)
            && n != resources.len() as u64
        {
            return Err(format!(
                "itemsPerPage is {n} but the page holds {} resources",
                resources.len()
            ));
        }
        let mut repeated = 0;
        for r in &resources {
            let Some(id) = r.get("id").and_then(Value::as_str) else {
                return Err("a resource on this page has no \"id\"".into());
            };
            if !self.seen.insert(id.to_owned()) {
                repeated += 1;
            }
        }
        if repeated > 0 {
            return Err(format!(
                "{repeated} resource(s) on this page were already on an earlier page: the order is not stable, so okta's import would skip others"
            ));
        }
        let seen = self.seen.len() as u64;
        let last = start + PAGE > total || resources.is_empty();
        if last && seen < total {
            return Err(format!(
                "paging ended with {seen} distinct resources but totalResults is {total}: {} are unreachable by paging",
                total - seen
            ));
        }
        Ok(!last)
    }
}

/// The note on a `404` / `501` for the first groups page.
pub const NO_GROUPS: &str = "the app has no /Groups: users only, group import skipped";

/// Page through `endpoint`. With `absent` set, a `404` / `501` on the first page means the app
/// has no such endpoint: the step passes with that note and paging stops.
async fn import_all(run: &mut Run<'_>, endpoint: &str, what: &str, absent: Option<&'static str>) {
    let mut pager = Pager::default();
    let mut start = 1u64;
    for _ in 0..MAX_PAGES {
        if run.stopped() {
            return;
        }
        let expect = match absent {
            Some(note) if start == 1 => Expect::OptionalList { absent: note },
            _ => Expect::List,
        };
        let mut more = false;
        let sent = run
            .step_checked(
                Request {
                    name: format!("import {what}, page at {start}"),
                    method: "GET",
                    path: format!("/{endpoint}?startIndex={start}&count={PAGE}"),
                    body: None,
                    expect,
                    hint: None,
                },
                |body| {
                    // Only a 404 / 501 on an optional endpoint passes without a ListResponse
                    // (a 200 without totalResults already failed): the endpoint is absent.
                    let is_list = body.is_some_and(|b| b.get("totalResults").is_some());
                    if absent.is_some() && start == 1 && !is_list {
                        return None;
                    }
                    match pager.page(start, body) {
                        Ok(m) => {
                            more = m;
                            None
                        }
                        Err(why) => Some(why),
                    }
                },
            )
            .await;
        if !sent.is_some_and(|s| s.passed) || !more {
            return;
        }
        run.estimated_total += 1;
        start += PAGE;
    }
    // Still more pages after the cap: never report a partial import as a pass.
    run.abort(format!(
        "stopped importing {what} after {MAX_PAGES} pages of {PAGE}: the target still reports more (totalResults keeps growing or paging never ends)"
    ));
}

/// Run the scenario.
pub async fn run(run: &mut Run<'_>) {
    run.phase("test connector configuration");
    let first = run
        .step(Request {
            name: "test api credentials (count=2)".into(),
            method: "GET",
            path: "/Users?startIndex=1&count=2".into(),
            body: None,
            expect: Expect::List,
            hint: None,
        })
        .await;
    if let Some(s) = first
        && matches!(s.status, Some(401 | 403))
    {
        run.abort(format!(
            "the connector test got {}: the token was refused (check --token)",
            s.status.unwrap_or_default()
        ));
    }
    run.phase("import users");
    import_all(run, "Users", "users", None).await;
    run.phase("import groups");
    import_all(run, "Groups", "groups", Some(NO_GROUPS)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(start: u64, total: u64, ids: std::ops::Range<u32>) -> Value {
        let resources: Vec<Value> = ids.map(|i| json!({"id": i.to_string()})).collect();
        json!({"totalResults": total, "startIndex": start, "itemsPerPage": resources.len(), "Resources": resources})
    }

    #[test]
    fn pages_add_up_to_the_total() {
        let mut p = Pager::default();
        assert_eq!(p.page(1, Some(&page(1, 250, 0..100))), Ok(true));
        assert_eq!(p.page(101, Some(&page(101, 250, 100..200))), Ok(true));
        assert_eq!(p.page(201, Some(&page(201, 250, 200..250))), Ok(false));
        let mut empty = Pager::default();
        assert_eq!(empty.page(1, Some(&page(1, 0, 0..0))), Ok(false));
    }

    #[test]
    fn paging_faults_are_named() {
        let mut p = Pager::default();
        p.page(1, Some(&page(1, 250, 0..100))).unwrap();
        let e = p.page(101, Some(&page(1, 250, 0..100))).unwrap_err();
        assert!(e.contains("startIndex 1"), "{e}");
        let mut p = Pager::default();
        p.page(1, Some(&page(1, 250, 0..100))).unwrap();
        let e = p.page(101, Some(&page(101, 250, 50..150))).unwrap_err();
        assert!(
            e.contains("50 resource(s) on this page were already"),
            "{e}"
        );
        let mut p = Pager::default();
        p.page(1, Some(&page(1, 150, 0..100))).unwrap();
        let e = p.page(101, Some(&page(101, 150, 100..120))).unwrap_err();
        assert!(e.contains("30 are unreachable"), "{e}");
        let mut p = Pager::default();
        p.page(1, Some(&page(1, 250, 0..100))).unwrap();
        let e = p.page(101, Some(&page(101, 260, 100..200))).unwrap_err();
        assert!(e.contains("totalResults changed from 250 to 260"), "{e}");
        let mut p = Pager::default();
        let e = p.page(
            1,
            Some(&json!({"totalResults": 1, "itemsPerPage": 2, "Resources": [{"id": "a"}]})),
        );
        assert!(e.unwrap_err().contains("itemsPerPage is 2"));
        let e = Pager::default()
            .page(1, Some(&page(1, 300, 0..150)))
            .unwrap_err();
        assert!(e.contains("150 resources for count=100"), "{e}");
    }
}
