//! The nesting-depth limit: nothing accepted may be too deep to be read back.
//!
//! serde_json refuses to parse documents nested deeper than 128 arrays/objects (its recursion
//! limit), and every read path parses the stored attributes again (a GET, each list page, the
//! admin API's before/after). A resource accepted at 126 levels used to be stored and then
//! answered 500 on every read, taking whole list pages with it. So a resource is refused with
//! `400 invalidValue` when it would nest more than [`MAX_DEPTH`] levels — at ingest (POST/PUT),
//! on PATCH values and on the resource a PATCH produces, and on a JSON document unwrapped from a
//! string — which leaves a wide margin under 128 for the envelopes around a stored resource
//! (ListResponse, captured exchanges, the admin API).
//!
//! Depth counts containers: a scalar is 0, `{}` or `[]` is 1, a resource `{"name": {"x": 1}}`
//! is 2. The walk never descends past the limit, so its own recursion is bounded by
//! [`MAX_DEPTH`] whatever the input.

use crate::error::{Result, ScimError};
use serde_json::{Map, Value};

/// The deepest nesting a stored resource may have, counting the resource object itself.
pub const MAX_DEPTH: usize = 32;

/// Refuse `value` when it nests more than `limit` levels: `400 invalidValue` naming `what`,
/// where the limit was crossed (the keys leading there) and the limit.
pub fn check(value: &Value, limit: usize, what: &str) -> Result<()> {
    let mut path = Vec::new();
    if crosses(value, 0, limit, &mut path) {
        return Err(too_deep(&path, limit, what));
    }
    Ok(())
}

fn too_deep(path: &[String], limit: usize, what: &str) -> ScimError {
    let at = shown_path(path);
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" at '{at}'")
    };
    ScimError::invalid_value(format!(
        "{what} nests json more than {limit} levels deep{at}: the limit is {limit} levels of objects and arrays; flatten the attribute or send it as a string"
    ))
}

/// [`check`] with [`MAX_DEPTH`].
pub fn check_resource(value: &Value, what: &str) -> Result<()> {
    check(value, MAX_DEPTH, what)
}

/// [`check`] of a resource held as its attribute map (the map itself is level 1), with
/// [`MAX_DEPTH`].
pub fn check_attributes(attrs: &Map<String, Value>, what: &str) -> Result<()> {
    let mut path = Vec::new();
    for (k, v) in attrs {
        path.push(k.clone());
        if crosses(v, 1, MAX_DEPTH, &mut path) {
            return Err(too_deep(&path, MAX_DEPTH, what));
        }
        path.pop();
    }
    Ok(())
}

/// The nesting depth of `value`, counted up to `limit + 1` (deeper documents report `limit + 1`).
pub fn depth_up_to(value: &Value, limit: usize) -> usize {
    fn walk(v: &Value, level: usize, limit: usize) -> usize {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => return level,
        };
        let level = level + 1;
        if level > limit {
            return level;
        }
        children
            .map(|c| walk(c, level, limit))
            .max()
            .unwrap_or(level)
    }
    walk(value, 0, limit)
}

/// Whether a container below `value` (at `level`) lies deeper than `limit`; `path` then holds
/// the keys (and `[i]` indexes) leading to it.
fn crosses(value: &Value, level: usize, limit: usize, path: &mut Vec<String>) -> bool {
    let level = match value {
        Value::Object(_) | Value::Array(_) => level + 1,
        _ => return false,
    };
    if level > limit {
        return true;
    }
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                path.push(k.clone());
                if crosses(v, level, limit, path) {
                    return true;
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                if crosses(v, level, limit, path) {
                    return true;
                }
                path.pop();
            }
        }
        _ => {}
    }
    false
}

/// `a.b[0].c`, cut after a few segments (the attribute is what the client needs to find).
fn shown_path(path: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut out = String::new();
    for seg in path.iter().take(SHOWN) {
        if !seg.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        let seg: String = seg.chars().take(80).collect();
        out.push_str(&seg);
    }
    if path.len() > SHOWN {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `{"a": {"a": … {"a": 1}}}` with `n` objects.
    fn nested_objects(n: usize) -> Value {
        let mut v = json!(1);
        for _ in 0..n {
            v = json!({ "a": v });
        }
        v
    }

    #[test]
    fn depth_counts_containers() {
        assert_eq!(depth_up_to(&json!(1), 10), 0);
        assert_eq!(depth_up_to(&json!({}), 10), 1);
        assert_eq!(depth_up_to(&json!({"a": [1, {"b": []}]}), 10), 4);
        assert_eq!(depth_up_to(&nested_objects(32), 100), 32);
        assert_eq!(
            depth_up_to(&nested_objects(500), 32),
            33,
            "stops past the limit"
        );
    }

    #[test]
    fn at_the_limit_passes_and_one_more_fails_naming_the_limit_and_place() {
        assert!(check_resource(&nested_objects(MAX_DEPTH), "the user").is_ok());
        let e = check_resource(&nested_objects(MAX_DEPTH + 1), "the user").unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue));
        assert!(e.detail.contains("32 levels"), "{}", e.detail);
        assert!(e.detail.contains("the user"), "{}", e.detail);
        assert!(e.detail.contains("at 'a.a.a.a.a.a…'"), "{}", e.detail);
        let arrays = json!({"roles": [[[[1]]]]});
        let e = check(&arrays, 3, "x").unwrap_err();
        assert!(e.detail.contains("at 'roles[0][0]'"), "{}", e.detail);
    }

    #[test]
    fn a_very_deep_value_does_not_overflow_the_stack() {
        // Built by hand (serde_json's parser would refuse it), then dropped iteratively.
        let mut v = json!(null);
        for _ in 0..50_000 {
            v = Value::Array(vec![v]);
        }
        assert!(check_resource(&v, "x").is_err());
        assert_eq!(depth_up_to(&v, MAX_DEPTH), MAX_DEPTH + 1);
        // Dropping a 50 000-deep Value recurses; unwind it level by level instead.
        while let Value::Array(mut items) = v {
            v = items.pop().unwrap_or(Value::Null);
        }
    }
}
