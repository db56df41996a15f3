//! Caps on how much work one authenticated request may ask for (issue 11 §5).
//!
//! The SCIM port is on the internet while a tunnel is up, and a key may leak: a single request
//! must not be able to make the engine evaluate a million attribute paths per page, or hold the
//! single database writer while it applies a PATCH of a hundred thousand filtered operations.
//! These caps sit far above anything Entra ID or Okta send (Entra: 50 members per operation, one
//! operation per attribute; Okta: a handful of operations; `attributes=` lists of a few names) and
//! are checked before any parsing work, so a refused request costs almost nothing. Each refusal
//! is `400 invalidValue` naming the cap and what to send instead.
//!
//! The scan time budget for filters no index answers lives in the engine (`scim_api/list.rs`):
//! it needs a clock, which this crate never reads.

use crate::error::{Result, ScimError};
use serde_json::Value;

/// Most attribute paths in one `attributes` or `excludedAttributes` list.
pub const MAX_ATTRIBUTE_PATHS: usize = 100;
/// Most operations in one PATCH request.
pub const MAX_PATCH_OPERATIONS: usize = 1000;
/// Most values in one PATCH request, all operations together (elements of each `value` array,
/// or of the arrays in a path-less `value` object). Adding or removing them is linear work, so
/// this is generous: a group gains 20 000 members in one request (`robustness.rs` tests it).
pub const MAX_PATCH_VALUES: usize = 20_000;
/// Most operations with a value filter in their path (`members[value eq "…"]`) in one PATCH:
/// each is evaluated against every element of the attribute it filters.
pub const MAX_FILTERED_PATCH_OPERATIONS: usize = 100;

/// Refuse an `attributes` / `excludedAttributes` list (`name` is the parameter, `raw` its
/// comma-separated value) with more than [`MAX_ATTRIBUTE_PATHS`] paths.
pub fn check_attribute_list(name: &str, raw: &str) -> Result<()> {
    let paths = raw.split(',').filter(|s| !s.trim().is_empty()).count();
    if paths > MAX_ATTRIBUTE_PATHS {
        return Err(ScimError::invalid_value(format!(
            "{name} lists {paths} attribute paths, more than the {MAX_ATTRIBUTE_PATHS} ScimLab accepts: ask for at most {MAX_ATTRIBUTE_PATHS} (or for the whole resource, without {name})"
        )));
    }
    Ok(())
}

/// How many values one operation's `value` carries.
fn values_of(value: Option<&Value>) -> usize {
    match value {
        Some(Value::Array(items)) => items.len(),
        Some(Value::Object(obj)) => obj
            .values()
            .map(|v| match v {
                Value::Array(items) => items.len(),
                _ => 1,
            })
            .sum(),
        Some(_) => 1,
        None => 0,
    }
}

/// Refuse a PATCH body over the caps above, before it is parsed. A body that is not a PatchOp
/// at all passes: the PATCH parser then says what is wrong with it.
pub fn check_patch(body: &Value) -> Result<()> {
    let Some(ops) = body.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
            .and_then(|(_, v)| v.as_array())
    }) else {
        return Ok(());
    };
    if ops.len() > MAX_PATCH_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "the patch has {} operations, more than the {MAX_PATCH_OPERATIONS} ScimLab accepts in one request: send them in several PATCH requests",
            ops.len()
        )));
    }
    let (mut total, mut filtered) = (0usize, 0usize);
    for op in ops.iter().filter_map(Value::as_object) {
        let field = |name: &str| {
            op.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        total += values_of(field("value"));
        if field("path")
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains('['))
        {
            filtered += 1;
        }
    }
    if total > MAX_PATCH_VALUES {
        return Err(ScimError::invalid_value(format!(
            "the patch carries {total} values, more than the {MAX_PATCH_VALUES} ScimLab accepts in one request: send them in several PATCH requests"
        )));
    }
    if filtered > MAX_FILTERED_PATCH_OPERATIONS {
        return Err(ScimError::invalid_value(format!(
            "the patch has {filtered} operations with a filter in their path, more than the {MAX_FILTERED_PATCH_OPERATIONS} ScimLab accepts in one request: send them in several PATCH requests"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail(r: Result<()>) -> String {
        let e = r.expect_err("refused");
        assert_eq!(e.status, 400);
        e.detail
    }

    #[test]
    fn attribute_lists_are_capped() {
        let ok = vec!["userName"; MAX_ATTRIBUTE_PATHS].join(",");
        check_attribute_list("attributes", &ok).expect("at the cap");
        check_attribute_list("attributes", &format!("{ok},,, ,")).expect("empty items not counted");
        let d = detail(check_attribute_list(
            "excludedAttributes",
            &format!("{ok},x"),
        ));
        assert!(
            d.contains("excludedAttributes lists 101") && d.contains("100"),
            "{d}"
        );
    }

    #[test]
    fn patch_operations_values_and_filters_are_capped() {
        let op = json!({"op": "add", "path": "members", "value": [{"value": "u"}]});
        let ok = json!({"Operations": vec![op.clone(); MAX_PATCH_OPERATIONS]});
        check_patch(&ok).expect("at the cap");
        let many = json!({"operations": vec![op; MAX_PATCH_OPERATIONS + 1]});
        assert!(detail(check_patch(&many)).contains("1001 operations"));

        let members = |n: usize| vec![json!({"value": "u"}); n];
        let ok = json!({"Operations": [{"op": "add", "path": "members", "value": members(MAX_PATCH_VALUES)}]});
        check_patch(&ok).expect("at the cap");
        let wide = json!({"Operations": [{"op": "add", "path": "members", "value": members(MAX_PATCH_VALUES + 1)}]});
        assert!(detail(check_patch(&wide)).contains("20001 values"));
        let pathless = json!({"Operations": [{"op": "add", "value": {"members": members(MAX_PATCH_VALUES)}},
            {"op": "add", "path": "emails", "value": [{"value": "a@b.c"}]}]});
        assert!(detail(check_patch(&pathless)).contains("20001 values"));

        let f = json!({"op": "remove", "path": "members[value eq \"u\"]"});
        let ok = json!({"Operations": vec![f.clone(); MAX_FILTERED_PATCH_OPERATIONS]});
        check_patch(&ok).expect("at the cap");
        let over = json!({"Operations": vec![f; MAX_FILTERED_PATCH_OPERATIONS + 1]});
        assert!(detail(check_patch(&over)).contains("101 operations with a filter"));
    }

    #[test]
    fn what_is_not_a_patch_op_is_left_to_the_parser() {
        for body in [
            json!(null),
            json!([]),
            json!({"Operations": "x"}),
            json!({}),
        ] {
            check_patch(&body).expect("passes");
        }
    }
}
