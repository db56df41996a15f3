//! Arguments of queries whose SQL is assembled from filters: [`Arg`], and `bind_all!` to bind
//! them in order to a query of any sqlx kind. Declared first in `store/mod.rs` (`#[macro_use]`)
//! so every backend module can use the macro.

/// A bound argument of a filtered query.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// Bind `args` (a `Vec<Arg>`), in order, to a query of any sqlx kind (`query`, `query_as`,
/// `query_scalar`): their `bind`s are distinct methods, so a function would be written thrice.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for a in $args {
            query = match a {
                $crate::store::bind::Arg::Int(v) => query.bind(v),
                $crate::store::bind::Arg::Text(v) => query.bind(v),
            };
        }
        query
    }};
}
