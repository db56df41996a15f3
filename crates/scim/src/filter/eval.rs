//! Evaluating a parsed [`Filter`] against resources held as `serde_json::Value`.
//!
//! Semantics (RFC 7644 §3.4.2.2, plus what stored IdP data needs):
//! - attribute names and extension URNs match the resource's keys case-insensitively; a path
//!   qualified with the resource's core schema URN means the top-level attribute;
//! - on a multi-valued attribute a comparison is true when any value matches; `emails eq "x"`
//!   (no sub-attribute) compares each element's `value`;
//! - strings compare case-insensitively (Unicode-normalised and case-folded, as unique names
//!   are: see `crate::names`) unless the schema says `caseExact`; `dateTime`
//!   attributes compare as instants; numbers numerically; booleans only with `eq`/`ne` (a
//!   stored `"True"` string equals `true`);
//! - `ne` is the negation of `eq` (so it is true on a missing attribute); `eq null` / `ne null`
//!   mean not present / present; `pr` means present and not empty.

use super::{AttrPath, CompValue, CompareOp, Filter};
use crate::names;
use crate::resource::get_ci;
use crate::schema::{AttrDef, AttrType, ResourceKind};
use chrono::DateTime;
use serde_json::{Number, Value};
use std::cmp::Ordering;

/// Where paths are resolved: a whole resource, or one element of a multi-valued attribute.
#[derive(Clone, Copy)]
enum Scope {
    Resource(ResourceKind),
    /// An element; the definition of the attribute it belongs to, when known.
    Element(Option<&'static AttrDef>),
}

pub(super) fn matches(filter: &Filter, resource: &Value, kind: ResourceKind) -> bool {
    eval(filter, resource, Scope::Resource(kind))
}

pub(super) fn matches_element(
    filter: &Filter,
    element: &Value,
    kind: ResourceKind,
    parent: &AttrPath,
) -> bool {
    let def = kind.attr(parent.urn.as_deref(), &parent.name);
    let def = match &parent.sub {
        Some(sub) => def.and_then(|d| d.sub(sub)),
        None => def,
    };
    eval(filter, element, Scope::Element(def))
}

fn eval(filter: &Filter, node: &Value, scope: Scope) -> bool {
    match filter {
        Filter::And(a, b) => eval(a, node, scope) && eval(b, node, scope),
        Filter::Or(a, b) => eval(a, node, scope) || eval(b, node, scope),
        Filter::Not(f) => !eval(f, node, scope),
        Filter::Present(path) => {
            let (values, _) = lookup(node, path, scope);
            values.into_iter().any(present)
        }
        Filter::Compare { path, op, value } => {
            let (values, def) = lookup(node, path, scope);
            if *value == CompValue::Null {
                let any = values.into_iter().any(present);
                return match op {
                    CompareOp::Eq => !any,
                    CompareOp::Ne => any,
                    _ => false,
                };
            }
            // `emails eq "x"`: compare each element's `value`.
            let def = match (def, &path.sub) {
                (Some(d), None) if d.ty == AttrType::Complex => d.sub("value"),
                (def, _) => def,
            };
            let mut candidates = Vec::new();
            for v in values {
                flatten(v, path.sub.is_none(), &mut candidates);
            }
            match op {
                CompareOp::Ne => !candidates
                    .into_iter()
                    .any(|c| compare(CompareOp::Eq, c, value, def)),
                op => candidates.into_iter().any(|c| compare(*op, c, value, def)),
            }
        }
        Filter::ValuePath { path, filter } => {
            let (values, def) = lookup(node, path, scope);
            let inner = Scope::Element(def);
            values.into_iter().any(|v| match v {
                Value::Array(items) => items.iter().any(|el| eval(filter, el, inner)),
                Value::Null => false,
                el => eval(filter, el, inner),
            })
        }
    }
}

/// The values `path` names in `node` (an array counts as one value) and its definition.
fn lookup<'v>(
    node: &'v Value,
    path: &AttrPath,
    scope: Scope,
) -> (Vec<&'v Value>, Option<&'static AttrDef>) {
    let (attr, def) = match scope {
        Scope::Resource(kind) => {
            let container = match path.urn.as_deref() {
                Some(urn) if !urn.eq_ignore_ascii_case(kind.schema()) => {
                    node.as_object().and_then(|o| get_ci(o, urn))
                }
                _ => Some(node),
            };
            let attr = container
                .and_then(Value::as_object)
                .and_then(|o| get_ci(o, &path.name));
            (attr, kind.attr(path.urn.as_deref(), &path.name))
        }
        Scope::Element(parent) => {
            let attr = match node {
                Value::Object(o) => get_ci(o, &path.name),
                // An element that is a bare value (`["a@x"]`) is its own `value`.
                other if path.name.eq_ignore_ascii_case("value") => Some(other),
                _ => None,
            };
            (attr, parent.and_then(|p| p.sub(&path.name)))
        }
    };
    let Some(attr) = attr else {
        return (Vec::new(), None);
    };
    let Some(sub) = &path.sub else {
        return (vec![attr], def);
    };
    let def = def.and_then(|d| d.sub(sub));
    let values = match attr {
        Value::Array(items) => items
            .iter()
            .filter_map(|el| el.as_object().and_then(|o| get_ci(o, sub)))
            .collect(),
        Value::Object(o) => get_ci(o, sub).into_iter().collect(),
        _ => Vec::new(),
    };
    (values, def)
}

/// Collect comparable leaves: array elements one level down, and (when the path had no
/// sub-attribute) an object's `value`.
fn flatten<'v>(v: &'v Value, complex_to_value: bool, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(o) if complex_to_value => out.extend(get_ci(o, "value")),
                    Value::Array(_) => {}
                    other => out.push(other),
                }
            }
        }
        Value::Object(o) if complex_to_value => out.extend(get_ci(o, "value")),
        other => out.push(other),
    }
}

/// Present and not empty: not null, not `""`, not `[]` / `{}` (nor made only of such).
fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(present),
        Value::Object(o) => o.values().any(present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn bool_op(op: CompareOp, attr: bool, value: bool) -> bool {
    match op {
        CompareOp::Eq => attr == value,
        CompareOp::Ne => attr != value,
        _ => false,
    }
}

/// Case-insensitive strings compare by their [`names::fold`] (Unicode normalisation plus case
/// folding), the same key the store's unique index uses: `userName eq "José"` finds the user
/// whichever normal form either side was sent in, exactly as uniqueness decides.
fn string_op(op: CompareOp, attr: &str, value: &str, case_exact: bool) -> bool {
    let (a, v) = if case_exact {
        (attr.to_owned(), value.to_owned())
    } else {
        (names::fold(attr), names::fold(value))
    };
    match op {
        CompareOp::Co => a.contains(&v),
        CompareOp::Sw => a.starts_with(&v),
        CompareOp::Ew => a.ends_with(&v),
        op => ordering_holds(op, a.cmp(&v)),
    }
}

fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// A string read as a number (for numbers stored as strings or compared with strings).
fn str_number(s: &str) -> Option<Number> {
    serde_json::from_str::<Number>(s.trim()).ok()
}

/// Whether the stored leaf `attr` satisfies `attr op value`.
fn compare(op: CompareOp, attr: &Value, value: &CompValue, def: Option<&AttrDef>) -> bool {
    let case_exact = def.is_some_and(|d| d.case_exact);
    let is_date = def.is_some_and(|d| d.ty == AttrType::DateTime);
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    match (value, attr) {
        (CompValue::Str(v), Value::String(a)) => {
            if is_date
                && !substring
                && let (Ok(x), Ok(y)) = (
                    DateTime::parse_from_rfc3339(a),
                    DateTime::parse_from_rfc3339(v),
                )
            {
                return ordering_holds(op, x.cmp(&y));
            }
            string_op(op, a, v, case_exact)
        }
        (CompValue::Str(v), Value::Number(a)) if substring => {
            string_op(op, &a.to_string(), v, true)
        }
        (CompValue::Str(v), Value::Number(a)) => str_number(v)
            .and_then(|n| number_cmp(a, &n))
            .is_some_and(|o| ordering_holds(op, o)),
        (CompValue::Str(v), Value::Bool(a)) => parse_bool(v).is_some_and(|v| bool_op(op, *a, v)),
        (CompValue::Bool(v), Value::Bool(a)) => bool_op(op, *a, *v),
        (CompValue::Bool(v), Value::String(a)) => parse_bool(a).is_some_and(|a| bool_op(op, a, *v)),
        (CompValue::Number(v), Value::Number(a)) if substring => {
            string_op(op, &a.to_string(), &v.to_string(), true)
        }
        (CompValue::Number(v), Value::Number(a)) => {
            number_cmp(a, v).is_some_and(|o| ordering_holds(op, o))
        }
        (CompValue::Number(v), Value::String(a)) if substring => {
            string_op(op, a, &v.to_string(), true)
        }
        (CompValue::Number(v), Value::String(a)) => str_number(a)
            .and_then(|n| number_cmp(&n, v))
            .is_some_and(|o| ordering_holds(op, o)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
