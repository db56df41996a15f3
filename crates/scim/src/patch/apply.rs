//! Performing `add`, `replace` and `remove` on what a path names (RFC 7644 §3.5.2.1–3).
//!
//! Values are coerced with the schema (`resource::coerce_attr_value`) before anything changes;
//! errors found before a change leave the resource as it was, later ones may leave it partly
//! changed (the caller works on a copy). Nothing here indexes or unwraps: any input is an `Ok` or
//! a `ScimError`, never a panic.

use super::filtered::filtered;
use super::json::{
    container_mut, drop_empty_extension, ensure_schema, key_of, put, remove_extension, remove_key,
    set_key, stored_name, take,
};
use super::target::{AttrTarget, Ext, Target, attr_target, resolve_key, resolve_path};
use super::{OpKind, PatchOperation};
use crate::error::{Result, ScimError};
use crate::quirks::{Mode, Quirk, Quirks};
use crate::resource::{coerce_attr_value, coerce_bool, json_kind};
use crate::schema::{AttrDef, AttrType, Mutability, ResourceKind, Returned};
use serde_json::{Map, Value};

/// Whether a target came from a `path` or from a key of a path-less value object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Path,
    Pathless,
}

pub(super) fn apply_operation(
    resource: &mut Map<String, Value>,
    op: &PatchOperation,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    let value = op.value.clone();
    let Some(path) = &op.path else {
        return pathless(resource, op.op, value, kind, quirks);
    };
    let attr = &path.attr;
    let Some(filter) = &path.filter else {
        let target = resolve_path(
            attr.urn.as_deref(),
            &attr.name,
            attr.sub.as_deref(),
            kind,
            resource,
            quirks,
        );
        return apply_target(resource, target, op.op, value, Ctx::Path, kind, quirks);
    };
    let sub = path.sub_after_filter.as_deref().or(attr.sub.as_deref());
    match resolve_path(attr.urn.as_deref(), &attr.name, sub, kind, resource, quirks) {
        Target::Attr(t) => filtered(resource, &t, filter, op.op, value, kind, quirks),
        Target::Core | Target::Extension(_) => Err(ScimError::invalid_path(format!(
            "'{}' is a schema, not an attribute: a value filter applies to an attribute such as members[value eq \"<id>\"]",
            attr.name
        ))),
    }
}

/// A path-less operation: each key of the value object is applied as if it were a path.
fn pathless(
    resource: &mut Map<String, Value>,
    op: OpKind,
    value: Option<Value>,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    let obj = match value {
        Some(Value::Object(obj)) => obj,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "path-less '{}' needs an object 'value' of attributes, got {}: send \"value\": {{\"attribute\": ...}} or add a 'path'",
                op.as_str(),
                json_kind(&other)
            )));
        }
        None if op == OpKind::Remove => return Err(no_path_remove()),
        None => return Err(missing_value(op)),
    };
    if op == OpKind::Remove && quirks.mode() == Mode::Strict {
        return Err(no_path_remove().refusing(Quirk::PathlessValue));
    }
    quirks.note(Quirk::PathlessValue);
    for (key, val) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let target = resolve_key(&key, kind, resource, quirks)?;
        apply_target(resource, target, op, Some(val), Ctx::Pathless, kind, quirks)?;
    }
    Ok(())
}

fn no_path_remove() -> ScimError {
    ScimError::no_target(
        "'remove' needs a 'path': name what to remove, e.g. \"path\": \"members[value eq \\\"<id>\\\"]\"",
    )
}

fn missing_value(op: OpKind) -> ScimError {
    ScimError::invalid_syntax(format!(
        "'{}' needs a 'value': send the new value, or use 'remove' to unassign the attribute",
        op.as_str()
    ))
}

fn apply_target(
    resource: &mut Map<String, Value>,
    target: Target,
    op: OpKind,
    value: Option<Value>,
    ctx: Ctx,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    match (target, op) {
        (Target::Attr(t), OpKind::Remove) => remove(resource, &t, value, ctx, quirks),
        (Target::Attr(t), _) => {
            let value = value.ok_or_else(|| missing_value(op))?;
            write(resource, &t, op, value, ctx, kind, quirks)
        }
        (Target::Extension(ext), OpKind::Remove) => match value {
            // Path-less remove of some attributes of an extension.
            Some(Value::Object(obj)) => {
                for (key, val) in obj {
                    let t = attr_target(Some(ext.clone()), &key, None, kind, quirks);
                    remove(resource, &t, Some(val), ctx, quirks)?;
                }
                Ok(())
            }
            _ => {
                remove_extension(resource, &ext.urn);
                Ok(())
            }
        },
        (Target::Core, OpKind::Remove) => Err(ScimError::invalid_path(format!(
            "cannot remove the core schema '{}': name the attributes to remove",
            kind.schema()
        ))),
        (Target::Extension(ext), _) => {
            let value = value.ok_or_else(|| missing_value(op))?;
            write_schema(resource, Some(&ext), op, value, ctx, kind, quirks)
        }
        (Target::Core, _) => {
            let value = value.ok_or_else(|| missing_value(op))?;
            write_schema(resource, None, op, value, ctx, kind, quirks)
        }
    }
}

/// `add`/`replace` of a whole schema object: merge each of its attributes (core when `ext` is None).
fn write_schema(
    resource: &mut Map<String, Value>,
    ext: Option<&Ext>,
    op: OpKind,
    value: Value,
    ctx: Ctx,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    let urn = ext.map_or(kind.schema(), |e| e.urn.as_str()).to_owned();
    let obj = match value {
        Value::Object(obj) => obj,
        Value::Null if ext.is_some() => {
            quirks.note(Quirk::NullAttribute);
            remove_extension(resource, &urn);
            return Ok(());
        }
        other => {
            return Err(ScimError::invalid_value(format!(
                "'{urn}' must be an object of its attributes, got {}",
                json_kind(&other)
            )));
        }
    };
    for (key, val) in obj {
        if ext.is_none() && key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let t = attr_target(ext.cloned(), &key, None, kind, quirks);
        write(resource, &t, op, val, ctx, kind, quirks)?;
    }
    Ok(())
}

/// A sub-attribute of an attribute that has none (`displayName.x`) names nothing.
pub(super) fn check_shape(t: &AttrTarget) -> Result<()> {
    if let (Some(def), Some(sub)) = (t.def, &t.sub)
        && def.ty != AttrType::Complex
    {
        return Err(ScimError::invalid_path(format!(
            "'{}' has no sub-attribute '{sub}': use \"path\": \"{}\"",
            def.name, def.name
        )));
    }
    Ok(())
}

/// Handle targets that are never written: `schemas` (ignored), `password` (dropped), `id`,
/// `meta` and other read-only attributes. Returns `true` when the operation is done.
pub(super) fn guard(
    resource: &Map<String, Value>,
    t: &AttrTarget,
    op: OpKind,
    value: Option<&Value>,
    ctx: Ctx,
    quirks: &mut Quirks,
) -> Result<bool> {
    if t.ext.is_some() {
        return Ok(false);
    }
    let Some(def) = t.def else {
        return Ok(t.name.eq_ignore_ascii_case("schemas"));
    };
    if def.returned == Returned::Never {
        quirks.note(Quirk::PasswordSent);
        return Ok(true);
    }
    if def.name == "id" {
        id_rule(resource, op, value, ctx, quirks)?;
        return Ok(true);
    }
    if def.name == "meta" && ctx == Ctx::Pathless {
        quirks.note(Quirk::ClientSentMeta);
        return Ok(true);
    }
    if def.mutability == Mutability::ReadOnly {
        read_only(&t.shown(), quirks)?;
        return Ok(true);
    }
    Ok(false)
}

/// `id` may be echoed unchanged (Okta renames carry it) but never changed.
fn id_rule(
    resource: &Map<String, Value>,
    op: OpKind,
    value: Option<&Value>,
    ctx: Ctx,
    quirks: &mut Quirks,
) -> Result<()> {
    if op == OpKind::Remove {
        return read_only("id", quirks);
    }
    let current = resource.get("id").and_then(Value::as_str);
    let same = match (current, value) {
        (None, _) => true,
        (Some(c), Some(Value::String(s))) => c == s,
        _ => false,
    };
    if !same {
        let sent = value.map_or_else(|| "nothing".to_owned(), Value::to_string);
        return Err(ScimError::mutability(format!(
            "'id' is read-only and cannot change from \"{}\" to {sent}: drop 'id' from the patch",
            current.unwrap_or_default()
        )));
    }
    match ctx {
        Ctx::Pathless => quirks.tolerate(Quirk::PathlessReplaceWithId, || {
            ScimError::mutability(
                "the path-less value carries the read-only 'id' (strict mode): drop 'id' from the value",
            )
        }),
        Ctx::Path => read_only("id", quirks),
    }
}

/// A read-only target: ignored and labelled, or 400 `mutability` in strict mode.
fn read_only(shown: &str, quirks: &mut Quirks) -> Result<()> {
    if quirks.mode() == Mode::Strict {
        return Err(ScimError::mutability(format!(
            "'{shown}' is read-only (strict mode): remove it from the patch"
        ))
        .refusing(Quirk::PutEchoesReadOnly));
    }
    quirks.note(Quirk::PutEchoesReadOnly);
    Ok(())
}

/// Required attributes cannot become unassigned (RFC 7644 §3.5.2.2: `mutability`).
fn check_required(t: &AttrTarget) -> Result<()> {
    match t.def {
        Some(def) if def.required && t.sub.is_none() && t.ext.is_none() => {
            Err(ScimError::mutability(format!(
                "'{}' is required and cannot be removed: replace it with a new value instead",
                def.name
            )))
        }
        _ => Ok(()),
    }
}

/// `add` or `replace` on an attribute or sub-attribute, without a value filter.
fn write(
    resource: &mut Map<String, Value>,
    t: &AttrTarget,
    op: OpKind,
    value: Value,
    ctx: Ctx,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    check_shape(t)?;
    if guard(resource, t, op, Some(&value), ctx, quirks)? {
        return Ok(());
    }
    if value.is_null() {
        // RFC 7644 §3.5.2.3: a null value unassigns the attribute.
        quirks.note(Quirk::NullAttribute);
        return unassign(resource, t);
    }
    let nulled = nulled_subs(t, &value);
    let value = coerce(t, value, quirks)?;
    if value.is_null() {
        // e.g. `manager: []`
        return unassign(resource, t);
    }
    if let Some(ext) = &t.ext {
        ensure_schema(resource, &ext.urn, kind);
    }
    let Some(container) = container_mut(resource, t.ext.as_ref(), true) else {
        return Ok(());
    };
    let (key, current) = take(container, &t.name);
    let multi = match t.def {
        Some(def) => def.multi_valued,
        None => current.as_ref().is_some_and(Value::is_array) || value.is_array(),
    };
    let new = match &t.sub {
        Some(sub) => write_sub(current, sub, value, op, multi, quirks),
        None if multi => write_multi(current, value, op, t.ext.is_none() && t.name == "members"),
        None => match (current, value) {
            (Some(Value::Object(cur)), Value::Object(new)) => merge_complex(cur, new, &nulled),
            (current, value) => {
                if op == OpKind::Add && current.is_some_and(|c| !c.is_null()) {
                    // RFC 7644 §3.5.2.1: add on a single-valued attribute replaces it.
                    quirks.note(Quirk::AddSingleValued);
                }
                Some(value)
            }
        },
    };
    let name = stored_name(t, key.as_deref());
    put(container, key, &name, new);
    Ok(())
}

/// Coerce a value for the target: by sub-attribute type, or with the attribute's schema.
pub(super) fn coerce(t: &AttrTarget, value: Value, quirks: &mut Quirks) -> Result<Value> {
    match (&t.sub, t.sub_def, t.def) {
        (Some(_), Some(sub_def), _) => coerce_scalar(sub_def, value, &t.shown(), quirks),
        (None, _, Some(def)) => coerce_attr_value(def, value, quirks),
        _ => Ok(value),
    }
}

pub(super) fn coerce_scalar(
    def: &AttrDef,
    value: Value,
    shown: &str,
    quirks: &mut Quirks,
) -> Result<Value> {
    if def.ty == AttrType::Boolean {
        coerce_bool(value, shown, quirks)
    } else {
        Ok(value)
    }
}

/// Sub-attributes sent as `null` in a complex value: they become unassigned on merge.
/// (`"$ref": null` is Entra noise, labelled by the coercion, and does not unassign.)
fn nulled_subs(t: &AttrTarget, value: &Value) -> Vec<String> {
    let (None, Value::Object(obj)) = (&t.sub, value) else {
        return Vec::new();
    };
    if t.def
        .is_some_and(|d| d.multi_valued || d.ty != AttrType::Complex)
    {
        return Vec::new();
    }
    obj.iter()
        .filter(|(k, v)| v.is_null() && k.as_str() != "$ref")
        .map(|(k, _)| {
            t.def
                .and_then(|d| d.sub(k))
                .map_or_else(|| k.clone(), |s| s.name.to_owned())
        })
        .collect()
}

/// Set a sub-attribute: of the object, or (no filter given) of every element of an array.
fn write_sub(
    current: Option<Value>,
    sub: &str,
    value: Value,
    op: OpKind,
    multi: bool,
    quirks: &mut Quirks,
) -> Option<Value> {
    if multi {
        let mut items = match current {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let mut touched = false;
        for item in &mut items {
            if let Value::Object(obj) = item {
                set_key(obj, sub, value.clone());
                touched = true;
            }
        }
        if !touched {
            let mut obj = Map::new();
            obj.insert(sub.to_owned(), value);
            items.push(Value::Object(obj));
        }
        return Some(Value::Array(items));
    }
    let mut obj = match current {
        Some(Value::Object(obj)) => obj,
        _ => Map::new(),
    };
    if op == OpKind::Add
        && key_of(&obj, sub)
            .and_then(|k| obj.get(k))
            .is_some_and(|v| !v.is_null())
    {
        quirks.note(Quirk::AddSingleValued);
    }
    set_key(&mut obj, sub, value);
    Some(Value::Object(obj))
}

/// `add` appends new elements (skipping ones already there; members compare by `value`);
/// `replace` sets the whole list. An empty result unassigns the attribute.
fn write_multi(current: Option<Value>, value: Value, op: OpKind, by_value: bool) -> Option<Value> {
    let new_items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut items = match (op, current) {
        (OpKind::Add, Some(Value::Array(items))) => items,
        (OpKind::Add, Some(other)) if !other.is_null() => vec![other],
        _ => Vec::new(),
    };
    let before = items.len();
    // A set of element keys keeps this linear: Entra adds thousands of members in one PATCH.
    let mut seen: std::collections::HashSet<String> =
        items.iter().map(|e| element_key(e, by_value)).collect();
    for item in new_items {
        if seen.insert(element_key(&item, by_value)) {
            items.push(item);
        }
    }
    let added: Vec<usize> = (before..items.len()).collect();
    enforce_single_primary(&mut items, &added);
    if items.is_empty() {
        None
    } else {
        Some(Value::Array(items))
    }
}

/// The identity of an element for de-duplication: its `value` when `by_value` and it has one,
/// else the whole element.
fn element_key(e: &Value, by_value: bool) -> String {
    match element_value(e).filter(|_| by_value) {
        Some(v) => format!("v{v}"),
        None => format!("e{e}"),
    }
}

fn element_value(e: &Value) -> Option<&Value> {
    let obj = e.as_object()?;
    obj.get(key_of(obj, "value")?)
}

/// RFC 7644 §3.5.2: setting `primary: true` on a value sets it false on the others.
pub(super) fn enforce_single_primary(items: &mut [Value], affected: &[usize]) {
    let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
    if !affected
        .iter()
        .any(|&i| items.get(i).is_some_and(is_primary))
    {
        return;
    }
    let affected: std::collections::HashSet<usize> = affected.iter().copied().collect();
    for (i, item) in items.iter_mut().enumerate() {
        if !affected.contains(&i)
            && is_primary(item)
            && let Some(obj) = item.as_object_mut()
        {
            obj.insert("primary".into(), Value::Bool(false));
        }
    }
}

/// Replace on a complex attribute sets the sub-attributes sent and keeps the others, except that
/// a different `value` (another manager) replaces the whole object so no stale sub-attribute stays.
fn merge_complex(
    mut cur: Map<String, Value>,
    new: Map<String, Value>,
    nulled: &[String],
) -> Option<Value> {
    let same_identity = match (element_value_of(&cur), element_value_of(&new)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if !same_identity {
        return Some(Value::Object(new));
    }
    for key in nulled {
        remove_key(&mut cur, key);
    }
    for (key, val) in new {
        // Nulls of unknown attributes are not coerced away; they are already in `nulled`.
        if !val.is_null() {
            set_key(&mut cur, &key, val);
        }
    }
    if cur.is_empty() {
        None
    } else {
        Some(Value::Object(cur))
    }
}

fn element_value_of(obj: &Map<String, Value>) -> Option<&Value> {
    obj.get(key_of(obj, "value")?)
}

/// `remove` on an attribute or sub-attribute, without a value filter.
fn remove(
    resource: &mut Map<String, Value>,
    t: &AttrTarget,
    value: Option<Value>,
    ctx: Ctx,
    quirks: &mut Quirks,
) -> Result<()> {
    check_shape(t)?;
    if guard(resource, t, OpKind::Remove, value.as_ref(), ctx, quirks)? {
        return Ok(());
    }
    match value {
        None | Some(Value::Null) => unassign(resource, t),
        Some(listed) => remove_values(resource, t, listed, quirks),
    }
}

/// Unassign an attribute or a sub-attribute (of the object, or of every element).
fn unassign(resource: &mut Map<String, Value>, t: &AttrTarget) -> Result<()> {
    check_required(t)?;
    let Some(container) = container_mut(resource, t.ext.as_ref(), false) else {
        return Ok(());
    };
    let (key, current) = take(container, &t.name);
    let new = match (&t.sub, current) {
        (None, _) => None,
        (Some(sub), Some(Value::Object(mut obj))) => {
            remove_key(&mut obj, sub);
            if obj.is_empty() {
                None
            } else {
                Some(Value::Object(obj))
            }
        }
        (Some(sub), Some(Value::Array(items))) => {
            let items: Vec<Value> = items
                .into_iter()
                .filter_map(|mut item| {
                    if let Value::Object(obj) = &mut item {
                        remove_key(obj, sub);
                        if obj.is_empty() {
                            return None;
                        }
                    }
                    Some(item)
                })
                .collect();
            if items.is_empty() {
                None
            } else {
                Some(Value::Array(items))
            }
        }
        (Some(_), other) => other,
    };
    let name = stored_name(t, key.as_deref());
    put(container, key, &name, new);
    drop_empty_extension(resource, t.ext.as_ref());
    Ok(())
}

/// Entra's `{"op":"Remove","path":"members","value":[{"value":"u1"}]}`: remove just the listed
/// values (by `value` when given, else by the sub-attributes listed).
fn remove_values(
    resource: &mut Map<String, Value>,
    t: &AttrTarget,
    listed: Value,
    quirks: &mut Quirks,
) -> Result<()> {
    quirks.tolerate(Quirk::RemoveByValueList, || {
        let first = match &listed {
            Value::Array(items) => items.first(),
            other => Some(other),
        };
        let id = match first {
            Some(Value::String(s)) => s.clone(),
            Some(v) => element_value(v).and_then(Value::as_str).unwrap_or("<value>").to_owned(),
            None => "<value>".to_owned(),
        };
        ScimError::invalid_syntax(format!(
            "remove does not take a value (strict mode): use \"path\": \"{}[value eq \\\"{id}\\\"]\"",
            t.shown()
        ))
    })?;
    if t.sub.is_some() {
        return unassign(resource, t);
    }
    check_required(t)?;
    let listed = match listed {
        Value::Array(items) => items,
        other => vec![other],
    };
    let Some(container) = container_mut(resource, t.ext.as_ref(), false) else {
        return Ok(());
    };
    let (key, current) = take(container, &t.name);
    // Listed elements that name a `value` are looked up in a set (linear for big removals);
    // the rest (objects matched on several sub-attributes) are compared one by one.
    let (by_value, by_fields): (Vec<&Value>, Vec<&Value>) =
        listed.iter().partition(|l| listed_value(l).is_some());
    let values: std::collections::HashSet<&Value> =
        by_value.iter().filter_map(|l| listed_value(l)).collect();
    let is_listed = |e: &Value| {
        element_value(e).is_some_and(|v| values.contains(v))
            || (!e.is_object() && values.contains(e))
            || by_fields.iter().any(|l| listed_matches(l, e))
    };
    let new = match current {
        Some(Value::Array(items)) => {
            let kept: Vec<Value> = items.into_iter().filter(|e| !is_listed(e)).collect();
            if kept.is_empty() {
                None
            } else {
                Some(Value::Array(kept))
            }
        }
        Some(single) if is_listed(&single) => None,
        other => other,
    };
    let name = stored_name(t, key.as_deref());
    put(container, key, &name, new);
    drop_empty_extension(resource, t.ext.as_ref());
    Ok(())
}

/// Whether a listed removal value designates element `e`.
/// The member value a listed element names: `{"value": "u1"}` or a bare `"u1"`.
fn listed_value(listed: &Value) -> Option<&Value> {
    match listed {
        Value::Object(fields) => element_value_of(fields),
        Value::String(_) => Some(listed),
        _ => None,
    }
}

fn listed_matches(listed: &Value, e: &Value) -> bool {
    match listed {
        Value::Object(fields) => {
            if let Some(v) = element_value_of(fields) {
                return element_value(e) == Some(v);
            }
            let Value::Object(obj) = e else { return false };
            let mut fields = fields.iter().filter(|(_, v)| !v.is_null()).peekable();
            fields.peek().is_some()
                && fields.all(|(k, v)| key_of(obj, k).and_then(|ek| obj.get(ek)) == Some(v))
        }
        Value::String(_) if e.is_object() => element_value(e) == Some(listed),
        other => other == e,
    }
}
