//! `GET /api/quirks`: every quirk label with its one-line explanation, so the UI explains the
//! labels on captured exchanges from the same source the engine labels them with.

use super::model::QuirkInfo;
use axum::Json;
use scimlab_scim::Quirk;

/// `GET /api/quirks`.
pub async fn list() -> Json<Vec<QuirkInfo>> {
    Json(
        Quirk::ALL
            .iter()
            .map(|q| QuirkInfo {
                label: q.label().to_owned(),
                summary: q.summary().to_owned(),
                rfc_allows: q.rfc_allows(),
            })
            .collect(),
    )
}
