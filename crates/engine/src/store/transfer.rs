//! Copying a workspace's rows between the two backends, for the `.scimlab` hand-over file on
//! PostgreSQL: an export copies a schema's rows into a new SQLite file (which `hand_over.rs`
//! then seals as it seals a copy of a SQLite workspace), an import copies a checked export's
//! rows into a new schema. The file format stays the one SQLite workspace file, whichever
//! backend wrote or reads it.
//!
//! Only the tables that hold what was recorded are copied, rows and ids as they are
//! ([`COPIED`]); what the triggers derive from them (the Users list, the change feed, the totals)
//! is rebuilt by the destination's own triggers as the rows arrive, so it is exact there too.
//! Columns are the PostgreSQL table's (generated ones left out); both backends must have the
//! same ones, or the copy stops naming the column, before anything is committed.
//!
//! Into PostgreSQL, text cannot hold NUL: a NUL in a short column becomes U+FFFD, as the store
//! writes one (`pg/resources.rs`); an exchange kept in plain columns (an export holds its
//! evidence expanded) is compacted into its `evidence` blob first, so bodies and headers keep
//! theirs exactly.
//!
//! Rows stream from the source and are written in batches, so a big capture log is never held
//! in memory whole.

use super::evidence::{Parts, encode};
use super::pg::{PgConn, PgStore};
use super::{Result, SqliteConn, StoreError};
use futures_util::TryStreamExt;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite};

/// The tables copied, parents first (`group_members` refers to `resources`).
pub const COPIED: [&str; 7] = [
    "settings",
    "mapping_profiles",
    "resources",
    "group_members",
    "role_history",
    "exchanges",
    "fault_budgets",
];

/// Identity columns whose sequence follows the copied ids (PostgreSQL).
const IDENTITIES: [(&str, &str); 3] = [
    ("resources", "pk"),
    ("exchanges", "id"),
    ("role_history", "id"),
];

/// Rows per insert statement (the widest table has under 32 columns: under both backends'
/// limits on bound values).
const BATCH: usize = 200;

/// A column's type, as PostgreSQL declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Real,
    Text,
    Bytes,
}

/// One value of a row, typed by its column.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Int(Option<i64>),
    Bool(Option<bool>),
    Real(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// A table's copied columns, in order.
struct Columns {
    table: &'static str,
    names: Vec<String>,
    kinds: Vec<Kind>,
}

impl Columns {
    fn list(&self) -> String {
        self.names.join(", ")
    }
    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// How many rows of each table were copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied(pub Vec<(&'static str, u64)>);

impl Copied {
    /// Rows of `table` copied (0 when none).
    pub fn rows(&self, table: &str) -> u64 {
        self.0
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// The copied columns of `table` on PostgreSQL (the session's schema), checked against the
/// SQLite table's: a column on one side only stops the copy.
async fn columns(pg: &mut PgConn, sqlite: &mut SqliteConn, table: &'static str) -> Result<Columns> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await?;
    let mut names = Vec::with_capacity(rows.len());
    let mut kinds = Vec::with_capacity(rows.len());
    for (name, data_type) in rows {
        let kind = match data_type.as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "double precision" | "real" => Kind::Real,
            "bytea" => Kind::Bytes,
            _ => Kind::Text,
        };
        names.push(name);
        kinds.push(kind);
    }
    let on_sqlite: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0")
            .bind(table)
            .fetch_all(&mut *sqlite)
            .await?;
    let only = |column: &str, backend: &'static str| StoreError::Transfer {
        table,
        column: column.to_owned(),
        backend,
    };
    if let Some(c) = on_sqlite.iter().find(|c| !names.contains(c)) {
        return Err(only(c, "sqlite"));
    }
    if let Some(c) = names.iter().find(|c| !on_sqlite.contains(c)) {
        return Err(only(c, "postgresql"));
    }
    Ok(Columns {
        table,
        names,
        kinds,
    })
}

/// A row of either backend read as `kinds` say.
fn read_row<'r, R>(row: &'r R, kinds: &[Kind]) -> Result<Vec<Cell>>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            Ok(match kind {
                Kind::Int => Cell::Int(row.try_get(i)?),
                Kind::Bool => Cell::Bool(row.try_get(i)?),
                Kind::Real => Cell::Real(row.try_get(i)?),
                Kind::Text => Cell::Text(row.try_get(i)?),
                Kind::Bytes => Cell::Bytes(row.try_get(i)?),
            })
        })
        .collect()
}

/// Write `rows` of `cols` into SQLite; `settings` rows replace the destination's.
async fn insert_sqlite(conn: &mut SqliteConn, cols: &Columns, rows: &[Vec<Cell>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let verb = if cols.table == "settings" {
        "INSERT OR REPLACE"
    } else {
        "INSERT"
    };
    let mut q =
        QueryBuilder::<Sqlite>::new(format!("{verb} INTO {} ({}) ", cols.table, cols.list()));
    q.push_values(rows, |mut b, row| {
        for cell in row {
            match cell.clone() {
                Cell::Int(v) => b.push_bind(v),
                Cell::Bool(v) => b.push_bind(v),
                Cell::Real(v) => b.push_bind(v),
                Cell::Text(v) => b.push_bind(v),
                Cell::Bytes(v) => b.push_bind(v),
            };
        }
    });
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// Write `rows` of `cols` into PostgreSQL; `settings` rows replace the destination's.
async fn insert_pg(conn: &mut PgConn, cols: &Columns, rows: &[Vec<Cell>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q =
        QueryBuilder::<Postgres>::new(format!("INSERT INTO {} ({}) ", cols.table, cols.list()));
    q.push_values(rows, |mut b, row| {
        for cell in row {
            match cell.clone() {
                Cell::Int(v) => b.push_bind(v),
                Cell::Bool(v) => b.push_bind(v),
                Cell::Real(v) => b.push_bind(v),
                Cell::Text(v) => b.push_bind(v.map(|t| super::pg::storable(&t).into_owned())),
                Cell::Bytes(v) => b.push_bind(v),
            };
        }
    });
    if cols.table == "settings" {
        q.push(" ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    }
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// The heavy parts of an exchange row kept in plain columns, in [`Parts`] order.
const PLAIN_PARTS: [&str; 8] = [
    "request_body",
    "response_body",
    "request_headers",
    "response_headers",
    "before",
    "after",
    "auth",
    "idp_reason",
];

/// An exchange row without evidence, compacted as the store writes one: its parts in the
/// `evidence` blob, the plain columns empty.
fn compact_exchange(cols: &Columns, row: &mut [Cell]) {
    let Some(evidence) = cols.index("evidence") else {
        return;
    };
    if !matches!(row[evidence], Cell::Bytes(None)) {
        return;
    }
    let mut texts: Vec<Option<String>> = Vec::with_capacity(PLAIN_PARTS.len());
    for name in PLAIN_PARTS {
        let Some(i) = cols.index(name) else {
            return;
        };
        let Cell::Text(text) = &mut row[i] else {
            return;
        };
        texts.push(text.take());
        // Required columns hold '' on a compact row, optional ones NULL.
        if matches!(
            name,
            "request_headers" | "response_headers" | "auth" | "idp_reason"
        ) {
            *text = Some(String::new());
        }
    }
    let mut t = texts.into_iter();
    let mut next = || t.next().flatten();
    let parts = Parts {
        request_body: next(),
        response_body: next(),
        request_headers: next().unwrap_or_default(),
        response_headers: next().unwrap_or_default(),
        before: next(),
        after: next(),
        auth: next().unwrap_or_default(),
        idp_reason: next().unwrap_or_default(),
    };
    row[evidence] = Cell::Bytes(Some(encode(&parts)));
}

/// Copy every row of the PostgreSQL store `pg` into the SQLite connection `dest` (a fresh,
/// migrated database, in a transaction the caller commits), from one snapshot of the schema.
pub async fn postgres_into_sqlite(pg: &PgStore, dest: &mut SqliteConn) -> Result<Copied> {
    let mut snapshot = pg.snapshot().await?;
    // The settings are the source's alone (a fresh SQLite file's migrations leave one).
    sqlx::query("DELETE FROM settings")
        .execute(&mut *dest)
        .await?;
    let mut copied = Copied::default();
    for table in COPIED {
        let cols = columns(&mut snapshot, dest, table).await?;
        let select = format!("SELECT {} FROM {table}", cols.list());
        let mut rows = sqlx::query(&select).fetch(&mut *snapshot);
        let mut batch = Vec::with_capacity(BATCH);
        let mut n = 0;
        while let Some(row) = rows.try_next().await? {
            batch.push(read_row(&row, &cols.kinds)?);
            if batch.len() == BATCH {
                insert_sqlite(dest, &cols, &batch).await?;
                n += batch.len() as u64;
                batch.clear();
            }
        }
        drop(rows);
        insert_sqlite(dest, &cols, &batch).await?;
        n += batch.len() as u64;
        copied.0.push((table, n));
    }
    snapshot.rollback().await?;
    Ok(copied)
}

/// Copy every row of the SQLite connection `src` into the PostgreSQL session `dest` (a fresh,
/// migrated schema, in the writer's transaction the caller commits), then move the identity
/// sequences past the copied ids.
pub async fn sqlite_into_postgres(src: &mut SqliteConn, dest: &mut PgConn) -> Result<Copied> {
    let mut copied = Copied::default();
    for table in COPIED {
        let cols = columns(dest, src, table).await?;
        let select = format!("SELECT {} FROM {table}", cols.list());
        let mut rows = sqlx::query(&select).fetch(&mut *src);
        let mut batch = Vec::with_capacity(BATCH);
        let mut n = 0;
        while let Some(row) = rows.try_next().await? {
            let mut cells = read_row(&row, &cols.kinds)?;
            if table == "exchanges" {
                compact_exchange(&cols, &mut cells);
            }
            batch.push(cells);
            if batch.len() == BATCH {
                insert_pg(dest, &cols, &batch).await?;
                n += batch.len() as u64;
                batch.clear();
            }
        }
        drop(rows);
        insert_pg(dest, &cols, &batch).await?;
        n += batch.len() as u64;
        copied.0.push((table, n));
    }
    for (table, column) in IDENTITIES {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), max({column}))
             FROM {table} HAVING max({column}) IS NOT NULL"
        ))
        .execute(&mut *dest)
        .await?;
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn exchange_columns() -> Columns {
        let mut names = vec!["id".to_owned()];
        names.extend(PLAIN_PARTS.iter().map(|s| (*s).to_owned()));
        names.push("evidence".into());
        let mut kinds = vec![Kind::Int];
        kinds.extend([Kind::Text; 8]);
        kinds.push(Kind::Bytes);
        Columns {
            table: "exchanges",
            names,
            kinds,
        }
    }

    #[test]
    fn an_expanded_exchange_is_compacted_with_its_parts_exact() {
        let cols = exchange_columns();
        let text = |s: &str| Cell::Text(Some(s.to_owned()));
        let mut row = vec![
            Cell::Int(Some(7)),
            text("{\"userName\":\"a\u{0}b\"}"),
            Cell::Text(None),
            text("[[\"content-type\",\"application/scim+json\"]]"),
            text("[]"),
            Cell::Text(None),
            text("{\"id\":\"1\"}"),
            text("{\"scheme\":\"bearer\"}"),
            text("user agent"),
            Cell::Bytes(None),
        ];
        compact_exchange(&cols, &mut row);
        let Cell::Bytes(Some(blob)) = &row[9] else {
            panic!("evidence written: {row:?}")
        };
        let parts = super::super::evidence::decode(blob).unwrap();
        assert_eq!(
            parts.request_body.as_deref(),
            Some("{\"userName\":\"a\u{0}b\"}"),
            "a NUL in a body is kept exactly"
        );
        assert_eq!(parts.response_body, None);
        assert_eq!(parts.after.as_deref(), Some("{\"id\":\"1\"}"));
        assert_eq!(parts.idp_reason, "user agent");
        assert_eq!(row[1], Cell::Text(None), "bodies move out of their columns");
        assert_eq!(
            row[3],
            Cell::Text(Some(String::new())),
            "required ones hold ''"
        );
    }

    /// Everything a workspace holds, as its readers see it (derived tables included: the Users
    /// list, the totals, the creators).
    async fn contents(store: &super::super::Store) -> String {
        use crate::model::Idp;
        use crate::store::exchanges::ExchangeQuery;
        use crate::store::prelude::*;
        use crate::store::resources::UserSearch;
        use scimlab_scim::ResourceKind;
        let mut r = store.read().await.unwrap();
        let mut out = String::new();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            for res in r.all_resources(kind).await.unwrap() {
                out += &format!("{kind:?} {res:?}\n");
                if kind == ResourceKind::Group {
                    out += &format!("  members {:?}\n", r.members_of(res.pk).await.unwrap());
                } else {
                    out += &format!("  roles {:?}\n", r.role_history(&res.id).await.unwrap());
                }
            }
        }
        let (total, page) = r
            .search_users(&UserSearch {
                text: Some("contoso".into()),
                idp: Some(Idp::Entra),
                limit: 50,
                ..UserSearch::default()
            })
            .await
            .unwrap();
        let names: Vec<_> = page.iter().map(|(u, i)| (u.id.to_string(), *i)).collect();
        out += &format!("list {total} {names:?}\n");
        out += &format!("creators {:?}\n", {
            let mut c: Vec<_> = r.user_creators().await.unwrap().into_iter().collect();
            c.sort();
            c
        });
        let all = ExchangeQuery {
            limit: 1000,
            ..ExchangeQuery::default()
        };
        for e in r.exchanges_whole(&all).await.unwrap() {
            out += &format!("exchange {e:?}\n");
        }
        out += &format!(
            "totals {:?} {}\n",
            r.count_exchanges_matching(&all).await.unwrap(),
            r.count_exchanges().await.unwrap()
        );
        out += &format!("profiles {:?}\n", r.saved_profiles().await.unwrap());
        out += &format!("active {}\n", r.active_profile().await.unwrap());
        out += &format!("kept {:?}\n", r.setting("kept").await.unwrap());
        out
    }

    #[tokio::test]
    async fn a_postgres_workspace_goes_to_a_file_and_back_unchanged() {
        use crate::checks::testkit::ex;
        use crate::model::{Idp, OperationKind};
        use crate::store::mapping::RoleChangeRow;
        use crate::store::prelude::*;
        use crate::store::{Store, hand_over};
        use scimlab_scim::ResourceKind;
        use serde_json::json;
        let url = scimlab_testdb::url();
        let pg = Store::open_postgres(url, &scimlab_testdb::fresh_schema("transfer"), 4)
            .await
            .unwrap();
        let mut w = pg.write().await.unwrap();
        let mut users = Vec::new();
        for (i, name) in [
            "ada@contoso.example",
            "nul\u{0}name@contoso.example",
            "bob@fabrikam.example",
        ]
        .iter()
        .enumerate()
        {
            let attrs = json!({"userName": name, "active": i != 2, "displayName": format!("User {i}"),
                "emails": [{"value": name, "primary": true}]});
            let stored = w
                .insert_resource(
                    ResourceKind::User,
                    &format!("u-{i}").into(),
                    attrs.as_object().unwrap(),
                    "2026-12-01T00:00:00.000Z",
                )
                .await
                .unwrap();
            users.push(stored);
        }
        let group = w
            .insert_resource(
                ResourceKind::Group,
                &"g-1".into(),
                json!({"displayName": "Admins"}).as_object().unwrap(),
                "2026-12-01T00:00:00.000Z",
            )
            .await
            .unwrap();
        w.set_members(
            group.pk,
            &[
                json!({"value": "u-0"}),
                json!({"value": "u-2", "display": "Bob"}),
            ],
        )
        .await
        .unwrap();
        let mut batch = Vec::new();
        for (i, user) in users.iter().enumerate() {
            let mut e = ex(
                0,
                Idp::Entra,
                "POST",
                "/scim/v2/Users",
                201,
                OperationKind::Create,
            );
            e.summary.resource_type = Some(ResourceKind::User);
            e.summary.resource_id = Some(user.id.to_string());
            e.summary.resource_name = Some(format!("user {i}"));
            e.request_body = Some(format!("{{\"userName\":\"a{}{i}\"}}", '\u{0}'));
            e.after = Some(json!({"id": user.id.to_string()}));
            batch.push(e);
        }
        batch.push(ex(
            0,
            Idp::Okta,
            "GET",
            "/scim/v2/Users?filter=userName%20eq%20%22x%22",
            200,
            OperationKind::MatchLookup,
        ));
        let ids = w.insert_exchanges(&batch, 1000).await.unwrap();
        w.insert_role_changes(&[RoleChangeRow {
            user_id: "u-0".into(),
            from_role: None,
            to_role: "Admin".into(),
            to_status: "valid".into(),
            raw: Some("\"Admin\"".into()),
            exchange_id: ids[0],
            at: "2026-12-01T00:00:01.000Z".into(),
        }])
        .await
        .unwrap();
        w.save_profile(
            "custom",
            "{\"name\":\"custom\"}",
            "2026-12-01T00:00:00.000Z",
        )
        .await
        .unwrap();
        w.set_active_profile("custom").await.unwrap();
        w.set_setting("kept", "yes").await.unwrap();
        w.commit().await.unwrap();
        let original = contents(&pg).await;
        assert!(
            original.contains("Admin") && original.contains("exchange"),
            "{original}"
        );

        // Out to a file, as an export copies it: the same contents on SQLite.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("copy.db");
        pg.copy_to(&file).await.unwrap();
        assert!(
            pg.copy_to(&file).await.is_err(),
            "an existing file is not written over"
        );
        let sqlite = Store::open(&file).await.unwrap();
        assert_eq!(contents(&sqlite).await, original);
        // Sealed as an export is (its exchanges' evidence expanded into plain columns), it
        // still reads the same; an import compacts the evidence again.
        sqlite.close().await;
        let meta = hand_over::ExportMeta {
            format: hand_over::EXPORT_FORMAT,
            scimlab_version: "test".into(),
            workspace_name: "Transfer".into(),
            workspace_slug: "transfer".into(),
            exported_at: "2026-12-07T00:00:00.000Z".into(),
            pseudonymised: false,
        };
        hand_over::seal_export(&file, &meta, &[], None)
            .await
            .unwrap();
        assert_eq!(hand_over::inspect_export(&file).await.unwrap(), meta);
        let sqlite = Store::open(&file).await.unwrap();
        assert_eq!(contents(&sqlite).await, original);

        // Back into a new schema, as an import copies it.
        let back = Store::open_postgres(url, &scimlab_testdb::fresh_schema("transfer"), 4)
            .await
            .unwrap();
        let copied = hand_over::copy_into_postgres(&sqlite, &back).await.unwrap();
        assert_eq!((copied.rows("resources"), copied.rows("exchanges")), (4, 4));
        assert_eq!(contents(&back).await, original);
        {
            let mut r = back.read().await.unwrap();
            let crate::store::Conn::Postgres(c) = &mut *r else {
                unreachable!()
            };
            let plain: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM exchanges WHERE evidence IS NULL OR request_body IS NOT NULL",
            )
            .fetch_one(&mut **c)
            .await
            .unwrap();
            assert_eq!(plain, 0, "every exchange is compact again");
        }
        // New rows come after the copied ids.
        let mut w = back.write().await.unwrap();
        let next = w.insert_exchanges(&batch[3..], 1000).await.unwrap();
        assert!(next[0] > *ids.last().unwrap(), "{next:?} after {ids:?}");
        w.commit().await.unwrap();
        // A schema that holds data already is not written over.
        let e = hand_over::copy_into_postgres(&sqlite, &back)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotEmpty(_)), "{e}");
        for s in [&pg, &back] {
            if let Store::Postgres(p) = s {
                p.drop_schema().await.unwrap();
            }
        }
        sqlite.close().await;
    }

    #[test]
    fn an_exchange_that_has_evidence_is_left_as_it_is() {
        let cols = exchange_columns();
        let mut row: Vec<Cell> = std::iter::once(Cell::Int(Some(1)))
            .chain((0..8).map(|_| Cell::Text(Some("x".into()))))
            .chain([Cell::Bytes(Some(vec![1, 2, 3]))])
            .collect();
        let before = row.clone();
        compact_exchange(&cols, &mut row);
        assert_eq!(row, before);
    }
}
