//! PostgreSQL: the timeline's read, the outlines (id, time, IdP, operation, status, fold) of the
//! newest exchanges; see `store/outlines.rs` for the promises.
//!
//! Unlike SQLite, whose rows cross a thread one by one (hence its one JSON array), PostgreSQL's
//! rows arrive as one stream of small binary messages: read as they come, their text borrowed,
//! 100 000 outlines take half the time a `json_agg` of them does (measured: 95 ms against
//! 190 ms), and no row is kept past its outline.

use crate::store::Result;
use crate::store::outlines::{OutlineRow, outline_row, placeable};
use crate::timeline::Outline;
use futures_util::TryStreamExt;
use sqlx::{PgConnection, Row};

/// The outlines of the newest `limit` exchanges, newest first. Rows whose time does not parse
/// are left out (the timeline cannot place them).
pub(super) async fn newest(conn: &mut PgConnection, limit: i64) -> Result<Vec<Outline>> {
    Ok(placeable(between(conn, None, None, limit).await?))
}

/// The newest `limit` exchanges with ids `after < id < before` (either bound optional), newest
/// first, every row read (one whose time does not parse without its outline). A negative limit
/// is no limit, as on SQLite.
pub(super) async fn between(
    conn: &mut PgConnection,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OutlineRow>> {
    let mut rows = sqlx::query(
        "SELECT id, at, idp, operation, status, fold_count, rejected FROM exchanges
         WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(after.unwrap_or(i64::MIN))
    .bind(before.unwrap_or(i64::MAX))
    .bind((limit >= 0).then_some(limit))
    .fetch(conn);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(outline_row(
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
            row.try_get(5)?,
            row.try_get(6)?,
        ));
    }
    Ok(out)
}
