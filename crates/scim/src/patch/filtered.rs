//! Operations whose path has a value filter: `emails[type eq "work"].value`,
//! `members[value eq "x"]`, and Entra's `manager[value eq "x"]` on a single-valued attribute.
//!
//! Matching elements are found with `Filter::matches_element`. When `add`/`replace` matches
//! nothing, tolerant mode creates the element from the filter's `eq` comparisons (what Entra and
//! the SCIM Validator expect); strict mode answers `noTarget` as RFC 7644 §3.5.2.3 says.

use super::OpKind;
use super::apply::{Ctx, check_shape, coerce, coerce_scalar, enforce_single_primary, guard};
use super::json::{
    container_mut, drop_empty_extension, ensure_schema, put, remove_key, set_key, stored,
    stored_name, take,
};
use super::target::AttrTarget;
use crate::error::{Result, ScimError};
use crate::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::quirks::{Quirk, Quirks};
use crate::resource::{coerce_attr_value, json_kind};
use crate::schema::{AttrType, ResourceKind};
use serde_json::{Map, Value};

/// An operation whose path has a value filter: `emails[type eq "work"].value`,
/// `members[value eq "x"]`, `manager[value eq "x"]`.
pub(super) fn filtered(
    resource: &mut Map<String, Value>,
    t: &AttrTarget,
    filter: &Filter,
    op: OpKind,
    value: Option<Value>,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    check_shape(t)?;
    if guard(resource, t, op, value.as_ref(), Ctx::Path, quirks)? {
        return Ok(());
    }
    let shown = shown_with_filter(t, filter);
    if let Some(def) = t.def.filter(|d| d.ty != AttrType::Complex) {
        return Err(ScimError::invalid_path(format!(
            "'{shown}' filters '{}', which has no sub-attributes: use \"path\": \"{}\"",
            def.name, def.name
        )));
    }
    let current = stored(resource, t);
    let single = match t.def {
        Some(def) => !def.multi_valued,
        None => current.is_some_and(Value::is_object),
    };
    if single {
        quirks.tolerate(Quirk::FilterOnSingleValued, || {
            ScimError::invalid_path(format!(
                "'{shown}' filters '{}', which is single-valued (strict mode): use \"path\": \"{}\"",
                t.name,
                t.parent_path()
            ))
        })?;
    }
    let parent = t.parent_path();
    let hits: Vec<usize> = match current {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter(|(_, e)| filter.matches_element(e, kind, &parent))
            .map(|(i, _)| i)
            .collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(one) => {
            if filter.matches_element(one, kind, &parent) {
                vec![0]
            } else {
                Vec::new()
            }
        }
    };
    let value = value.filter(|v| !v.is_null());
    if op == OpKind::Remove && !single {
        quirks.note(Quirk::RemoveByFilter);
    } else if op != OpKind::Remove && value.is_none() {
        quirks.note(Quirk::NullAttribute);
    }
    let new = match value {
        Some(v) if op != OpKind::Remove => Some(filtered_value(t, v, quirks)?),
        _ => None,
    };
    let upsert = match &new {
        Some(_) if hits.is_empty() => {
            quirks.tolerate(Quirk::FilteredPathUpsert, || {
                ScimError::no_target(format!(
                    "no value of '{}' matches '{shown}' (strict mode): add it with {{\"op\": \"add\", \"path\": \"{}\", \"value\": [{{...}}]}}",
                    parent, parent
                ))
            })?;
            Some(element_from_filter(filter, t, &shown, quirks)?)
        }
        _ => None,
    };

    let removing = new.is_none();
    if let (false, Some(ext)) = (removing, &t.ext) {
        ensure_schema(resource, &ext.urn, kind);
    }
    let Some(container) = container_mut(resource, t.ext.as_ref(), !removing) else {
        return Ok(());
    };
    let (key, current) = take(container, &t.name);
    let mut items = match current {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    };
    match (new, upsert) {
        (None, _) => remove_hits(&mut items, &hits, t.sub.as_deref()),
        (Some(new), Some(mut element)) => {
            set_in_element(&mut element, t.sub.as_deref(), new);
            if single {
                items.clear();
            }
            let at = items.len();
            items.push(Value::Object(element));
            enforce_single_primary(&mut items, &[at]);
        }
        (Some(new), None) => {
            for &i in &hits {
                if let Some(Value::Object(obj)) = items.get_mut(i) {
                    set_in_element(obj, t.sub.as_deref(), new.clone());
                }
            }
            enforce_single_primary(&mut items, &hits);
        }
    }
    let new = if items.is_empty() {
        None
    } else if single {
        items.into_iter().next()
    } else {
        Some(Value::Array(items))
    };
    let name = stored_name(t, key.as_deref());
    put(container, key, &name, new);
    if removing {
        drop_empty_extension(resource, t.ext.as_ref());
    }
    Ok(())
}

/// The value for a filtered path: a sub-attribute value, or an element object.
fn filtered_value(t: &AttrTarget, value: Value, quirks: &mut Quirks) -> Result<Value> {
    if t.sub.is_some() {
        return coerce(t, value, quirks);
    }
    let coerced = match t.def {
        Some(def) => coerce_attr_value(def, value, quirks)?,
        None => value,
    };
    match coerced {
        Value::Object(obj) => Ok(Value::Object(obj)),
        Value::Array(mut items)
            if items.len() == 1 && items.first().is_some_and(Value::is_object) =>
        {
            Ok(items.pop().unwrap_or_default())
        }
        other => Err(ScimError::invalid_value(format!(
            "a value for '{}' with a filter must be an object of its sub-attributes, got {}",
            t.name,
            json_kind(&other)
        ))),
    }
}

/// Set the sub-attribute, or merge the sub-attributes of an element object.
fn set_in_element(element: &mut Map<String, Value>, sub: Option<&str>, new: Value) {
    match (sub, new) {
        (Some(sub), new) => set_key(element, sub, new),
        (None, Value::Object(fields)) => {
            for (key, val) in fields {
                set_key(element, &key, val);
            }
        }
        (None, _) => {}
    }
}

/// Remove the matching elements, or their sub-attribute; empty elements go too.
fn remove_hits(items: &mut Vec<Value>, hits: &[usize], sub: Option<&str>) {
    let hits: std::collections::HashSet<usize> = hits.iter().copied().collect();
    let mut i = 0;
    items.retain_mut(|item| {
        let hit = hits.contains(&i);
        i += 1;
        match (hit, sub, item) {
            (false, _, _) => true,
            (true, None, _) => false,
            (true, Some(sub), Value::Object(obj)) => {
                remove_key(obj, sub);
                !obj.is_empty()
            }
            (true, Some(_), _) => true,
        }
    });
}

/// The element an upsert creates from the filter's `eq` comparisons joined by `and`:
/// `emails[type eq "work"]` gives `{"type": "work"}`.
fn element_from_filter(
    filter: &Filter,
    t: &AttrTarget,
    shown: &str,
    quirks: &mut Quirks,
) -> Result<Map<String, Value>> {
    let cannot = || {
        ScimError::no_target(format!(
            "no value of '{}' matches '{shown}', and only a filter of 'eq' comparisons joined by 'and' can describe a new one: add it with {{\"op\": \"add\", \"path\": \"{}\", \"value\": [{{...}}]}}",
            t.name,
            t.parent_path()
        ))
    };
    let mut clauses = Vec::new();
    if !eq_clauses(filter, &mut clauses) {
        return Err(cannot());
    }
    let mut element = Map::new();
    for (path, value) in clauses {
        let name = match &path.sub {
            None => path.name.as_str(),
            Some(sub) if path.name.eq_ignore_ascii_case(&t.name) => sub.as_str(),
            Some(_) => return Err(cannot()),
        };
        let sub_def = t.def.and_then(|d| d.sub(name));
        let value = match value {
            CompValue::Str(s) => Value::String(s.clone()),
            CompValue::Bool(b) => Value::Bool(*b),
            CompValue::Number(n) => Value::Number(n.clone()),
            CompValue::Null => continue,
        };
        let (key, value) = match sub_def {
            Some(def) => (
                def.name,
                coerce_scalar(def, value, &format!("{}.{}", t.name, def.name), quirks)?,
            ),
            None => (name, value),
        };
        element.insert(key.to_owned(), value);
    }
    Ok(element)
}

fn eq_clauses<'f>(filter: &'f Filter, out: &mut Vec<(&'f AttrPath, &'f CompValue)>) -> bool {
    match filter {
        Filter::And(a, b) => eq_clauses(a, out) && eq_clauses(b, out),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } => {
            out.push((path, value));
            true
        }
        _ => false,
    }
}

/// `emails[type eq "work"].value`, for messages.
fn shown_with_filter(t: &AttrTarget, filter: &Filter) -> String {
    let mut s = format!("{}[{}]", t.parent_path(), describe(filter));
    if let Some(sub) = &t.sub {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// A filter written back as text, for messages.
fn describe(filter: &Filter) -> String {
    match filter {
        Filter::And(a, b) => format!("{} and {}", describe(a), describe(b)),
        Filter::Or(a, b) => format!("({} or {})", describe(a), describe(b)),
        Filter::Not(a) => format!("not ({})", describe(a)),
        Filter::Present(path) => format!("{path} pr"),
        Filter::Compare { path, op, value } => {
            let value = match value {
                CompValue::Str(s) => Value::String(s.clone()).to_string(),
                CompValue::Bool(b) => b.to_string(),
                CompValue::Number(n) => n.to_string(),
                CompValue::Null => "null".to_owned(),
            };
            format!("{path} {} {value}", format!("{op:?}").to_ascii_lowercase())
        }
        Filter::ValuePath { path, filter } => format!("{path}[{}]", describe(filter)),
    }
}
