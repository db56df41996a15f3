//! PATCH (RFC 7644 §3.5.2): parse a PatchOp body and apply its operations to a stored resource.
//!
//! This module owns what a PATCH *means*; it never stores anything. [`parse_patch`] checks the
//! envelope (`schemas`, `Operations`, each `op`/`path`/`value`) and parses paths with the filter
//! module; [`apply_patch`] changes a resource held as a JSON object. Both accept what Entra ID and
//! Okta really send (`shared/reference/idp-traffic.md` §5–§7, §11) — capitalised ops, path-less
//! values with dotted or URN-qualified keys, string booleans, member removal by value list,
//! filtered paths that match nothing, the resource `id` echoed in a rename — and record each such
//! deviation as a [`Quirk`](crate::quirks::Quirk). In strict mode the deviations RFC 7644 forbids
//! are the 400 errors a strict service provider would send.
//!
//! Layout: `target` turns a path or a path-less key into the attribute it names (canonical
//! spelling, schema definition, extension container); `apply` performs add/replace/remove on it,
//! `filtered` does the same for paths with a value filter, and `json` holds the object helpers.
//!
//! Invariants kept here: `id` is never changed, `meta` and a user's `groups` are never written,
//! `password` is never stored, a required attribute (`userName`, a group's `displayName`) is never
//! removed, and an extension that holds attributes is listed in `schemas`.

mod apply;
mod filtered;
mod json;
mod target;
#[cfg(test)]
mod tests;

use crate::error::{Result, ScimError, ScimType};
use crate::filter::{self, PatchPath};
use crate::quirks::{Mode, Quirk, Quirks};
use crate::resource::{self, find_key, json_kind};
use crate::schema::{PATCH_OP_SCHEMA, ResourceKind};
use crate::{depth, names};
use serde_json::{Map, Value};

/// The three PATCH operations (case-insensitive on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

impl OpKind {
    /// The RFC spelling of the operation (`add`, `replace`, `remove`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

/// One parsed PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: OpKind,
    /// The target path; `None` for path-less operations.
    pub path: Option<PatchPath>,
    /// The value, when sent.
    pub value: Option<Value>,
}

/// Parse a PatchOp request body (`schemas` + `Operations`) into operations, recording quirks.
///
/// Errors are 400: `invalidSyntax` for a malformed envelope, an unknown `op`, or an `add`/`replace`
/// without `value`; `invalidPath` for a path that does not parse; `noTarget` for a `remove`
/// without `path` (tolerant mode accepts a path-less `remove` that carries a value object).
pub fn parse_patch(
    body: &Value,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<Vec<PatchOperation>> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(format!(
            "the patch body must be a json object with 'schemas' and 'Operations', got {}",
            json_kind(body)
        )));
    };
    let lists_patch_op = match field(obj, "schemas", quirks) {
        Some(Value::Array(items)) => items.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
        }),
        _ => false,
    };
    if !lists_patch_op {
        quirks.tolerate(Quirk::MissingSchemas, || {
            ScimError::invalid_syntax(format!(
                "'schemas' must list \"{PATCH_OP_SCHEMA}\" (strict mode): send \"schemas\": [\"{PATCH_OP_SCHEMA}\"]"
            ))
        })?;
    }
    let items = match field(obj, "Operations", quirks) {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => {
            // Microsoft's SCIM Validator sends one: nothing to do, so nothing changes.
            quirks.tolerate(Quirk::EmptyOperations, || {
                ScimError::invalid_syntax(
                    "'Operations' is empty (strict mode): send at least one operation, e.g. {\"op\": \"replace\", \"path\": \"active\", \"value\": false}",
                )
            })?;
            return Ok(Vec::new());
        }
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "'Operations' must be an array of operations, got {}",
                json_kind(other)
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(
                "'Operations' is missing: send \"Operations\": [{\"op\": \"replace\", \"path\": \"active\", \"value\": false}]",
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_operation(i + 1, item, kind, quirks))
        .collect()
}

/// Apply `ops` in order to `resource` (a full stored resource, including `id`, `schemas`, and for
/// groups `members`), recording quirks. On error `resource` may be partly modified: callers apply
/// to a copy and discard it on failure (all-or-nothing per RFC 7644 §3.5.2).
///
/// Whatever the paths and values, the result holds no password at any depth (a path into an
/// extension such as `urn:…:enterprise:2.0:User:password`, or a value object carrying one: they
/// are dropped and labelled `okta.password-sent`), and it nests no deeper than
/// [`depth::MAX_DEPTH`] (else `400 invalidValue` naming the limit); its unique name holds no
/// control character ([`names::check_name`], the same answer as on create).
pub fn apply_patch(
    resource: &mut Map<String, Value>,
    ops: &[PatchOperation],
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    // A password stored by an older version goes too, silently: this request did not send it.
    resource::drop_passwords_in(resource);
    for op in ops {
        apply::apply_operation(resource, op, kind, quirks)?;
    }
    if resource::drop_passwords_in(resource) {
        quirks.note(Quirk::PasswordSent);
    }
    let name_attr = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    if let Some(Value::String(name)) = resource.get(name_attr) {
        names::check_name(name_attr, name)?;
    }
    depth::check_attributes(
        resource,
        &format!(
            "the {} this patch would produce",
            kind.name().to_ascii_lowercase()
        ),
    )
}

/// Look up a member of the envelope case-insensitively, labelling a spelling other than the RFC's.
fn field<'a>(obj: &'a Map<String, Value>, name: &str, quirks: &mut Quirks) -> Option<&'a Value> {
    if let Some(v) = obj.get(name) {
        return Some(v);
    }
    let key = find_key(obj, name)?;
    quirks.note(Quirk::AttributeNameCase);
    obj.get(key)
}

fn parse_operation(
    n: usize,
    item: &Value,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<PatchOperation> {
    let Value::Object(obj) = item else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {n} must be a json object with 'op', 'path' and 'value', got {}",
            json_kind(item)
        )));
    };
    let op = match field(obj, "op", quirks) {
        Some(Value::String(s)) => parse_op_kind(s, n, quirks)?,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "'op' of operation {n} must be the string \"add\", \"replace\" or \"remove\", got {other}"
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n} has no 'op': send \"op\": \"add\", \"replace\" or \"remove\""
            )));
        }
    };
    let path = match field(obj, "path", quirks) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_path(s, n, kind, quirks)?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "'path' of operation {n} must be a string such as \"emails[type eq \\\"work\\\"].value\", got {}",
                json_kind(other)
            )));
        }
    };
    let value = field(obj, "value", quirks).cloned();
    if let Some(v) = &value {
        depth::check_resource(v, &format!("the 'value' of operation {n}"))?;
    }
    let verb = op.as_str();
    match (op, &path, &value) {
        (OpKind::Add | OpKind::Replace, _, None) => Err(ScimError::invalid_syntax(format!(
            "'{verb}' operation {n} has no 'value': send the new value, or use 'remove' to unassign the attribute"
        ))),
        (OpKind::Add | OpKind::Replace, None, Some(v)) if !v.is_object() => {
            Err(ScimError::invalid_syntax(format!(
                "path-less '{verb}' operation {n} needs an object 'value' of attributes, got {}: send \"value\": {{\"attribute\": ...}} or add a 'path'",
                json_kind(v)
            )))
        }
        (OpKind::Remove, None, v) => {
            let has_object = matches!(v, Some(Value::Object(_)));
            if has_object && quirks.mode() == Mode::Tolerant {
                // Path-less remove of the listed attributes/values: applied and labelled later.
                Ok(PatchOperation { op, path, value })
            } else {
                Err(ScimError::no_target(format!(
                    "'remove' operation {n} has no 'path': name what to remove, e.g. \"path\": \"members[value eq \\\"<id>\\\"]\""
                )))
            }
        }
        _ => Ok(PatchOperation { op, path, value }),
    }
}

fn parse_op_kind(s: &str, n: usize, quirks: &mut Quirks) -> Result<OpKind> {
    let op = match s.to_ascii_lowercase().as_str() {
        "add" => OpKind::Add,
        "replace" => OpKind::Replace,
        "remove" => OpKind::Remove,
        _ => {
            return Err(ScimError::invalid_syntax(format!(
                "unknown op '{s}' in operation {n}: use add, replace or remove"
            )));
        }
    };
    if s != op.as_str() {
        quirks.tolerate(Quirk::CapitalizedOp, || {
            ScimError::invalid_syntax(format!(
                "op '{s}' in operation {n} must be lowercase (strict mode): send \"{}\"",
                op.as_str()
            ))
        })?;
    }
    Ok(op)
}

/// Parse a `path`; any parse failure is `invalidPath` (RFC 7644 §3.12), naming the path.
fn parse_path(s: &str, n: usize, kind: ResourceKind, quirks: &mut Quirks) -> Result<PatchPath> {
    if s.trim().is_empty() {
        return Err(ScimError::invalid_path(format!(
            "'path' of operation {n} is empty: name an attribute such as \"displayName\", or omit 'path' and send an object 'value'"
        )));
    }
    filter::parse_patch_path(s, kind, quirks).map_err(|e| {
        let retype = e.status == 400
            && matches!(
                e.scim_type,
                Some(ScimType::InvalidFilter | ScimType::InvalidSyntax)
            );
        if !retype {
            return e;
        }
        if e.detail.contains(s) {
            ScimError::invalid_path(e.detail)
        } else {
            ScimError::invalid_path(format!("invalid path '{s}': {}", e.detail))
        }
    })
}
