//! `GET /api/checklist?idp=entra|okta`: the setup checklist scored from observed traffic, and
//! `GET /api/checklist/report?idp=…&format=md|html`: the report to hand over.
//!
//! The checklist is scored from the materialised mapping results and traffic window
//! (`crate::materialised`, kept up to date as users and traffic change); the HTML report's data
//! is gathered fresh by `crate::report` (as the CLI's `scimlab report` gathers it). This module
//! parses the query and answers.

use super::model::ChecklistReply;
use super::{AdminError, AdminResult, AdminState, query_pairs};
use crate::model::Idp;
use crate::report::{self, ReportFormat};
use axum::Json;
use axum::extract::{RawQuery, State};

/// `GET /api/checklist?idp=entra|okta`.
pub async fn checklist(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<ChecklistReply>> {
    let (idp, _) = parse(raw.as_deref(), false)?;
    Ok(Json(compute(&state, idp).await?))
}

/// `GET /api/checklist/report?idp=entra|okta&format=md|html`: the checklist as a Markdown
/// report to paste into a ticket (the default; it names exchange ids, not bodies), or the whole
/// hand-over report as one self-contained HTML file (checklist, roles, users' mappings, failing
/// exchanges with redacted bodies).
pub async fn report(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<impl axum::response::IntoResponse> {
    let (idp, format) = parse(raw.as_deref(), true)?;
    let when = report::now_label();
    let text = match format {
        ReportFormat::Html => {
            let mut conn = state.store.read().await?;
            let data =
                report::gather(&mut conn, Some(idp), Some(&state.scim_base_url()), &when).await?;
            report::render(&data, format)
        }
        _ => report::markdown::render_checklist(
            &compute(&state, idp).await?.checklist,
            &state.scim_base_url(),
            &when,
        ),
    };
    let (prefix, ext) = match format {
        ReportFormat::Html => ("scimlab-report", "html"),
        _ => ("scimlab-checklist", "md"),
    };
    let name = format!("{prefix}-{}.{ext}", idp.as_str());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                format.content_type().to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    ))
}

/// The `idp` (required) and, when `with_format`, the `format` (`md` unless given).
fn parse(raw: Option<&str>, with_format: bool) -> AdminResult<(Idp, ReportFormat)> {
    let allowed: &[&str] = if with_format {
        &["idp", "format"]
    } else {
        &["idp"]
    };
    let (mut idp, mut format) = (None, ReportFormat::Markdown);
    for (name, value) in query_pairs(raw, allowed)? {
        if name == "format" {
            format = match value.as_str() {
                "md" => ReportFormat::Markdown,
                "html" => ReportFormat::Html,
                other => {
                    return Err(AdminError::bad_request(format!(
                        "invalid format '{other}': use format=md or format=html"
                    )));
                }
            };
            continue;
        }
        idp = match value.as_str() {
            "entra" => Some(Idp::Entra),
            "okta" => Some(Idp::Okta),
            other => {
                return Err(AdminError::bad_request(format!(
                    "invalid idp '{other}': use idp=entra or idp=okta"
                )));
            }
        };
    }
    let idp =
        idp.ok_or_else(|| AdminError::bad_request("missing idp: use ?idp=entra or ?idp=okta"))?;
    Ok((idp, format))
}

/// Score `idp`'s checklist from the materialised mapping results and traffic window (as
/// `report::score_checklist` scores it from a fresh evaluation).
async fn compute(state: &AdminState, idp: Idp) -> AdminResult<ChecklistReply> {
    let reading = state.materialised.checklist(idp).await?;
    Ok(ChecklistReply {
        checklist: reading.value,
        updating: reading.updating,
    })
}
