//! Small helpers over JSON objects: case-insensitive keys that keep their stored spelling and
//! position, extension containers, and the `schemas` list.

use super::target::{AttrTarget, Ext};
use crate::resource::{entry_ci, find_key};
use crate::schema::ResourceKind;
use serde_json::{Map, Value};

/// The key of `map` for `name`: the exact spelling if present, else a case-insensitive match.
pub(super) fn key_of<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    entry_ci(map, name).map(|(k, _)| k)
}

/// The stored value of the target's attribute (read-only lookup).
pub(super) fn stored<'a>(resource: &'a Map<String, Value>, t: &AttrTarget) -> Option<&'a Value> {
    let container = match &t.ext {
        None => resource,
        Some(ext) => resource.get(key_of(resource, &ext.urn)?)?.as_object()?,
    };
    container.get(key_of(container, &t.name)?)
}

/// Take the attribute's value out, leaving its slot (and position) in place for [`put`].
pub(super) fn take(map: &mut Map<String, Value>, name: &str) -> (Option<String>, Option<Value>) {
    let Some(key) = key_of(map, name).cloned() else {
        return (None, None);
    };
    let value = map.get_mut(&key).map(Value::take);
    (Some(key), value)
}

/// Store the new value under `name` (in place when the spelling is unchanged), or remove it.
pub(super) fn put(
    map: &mut Map<String, Value>,
    key: Option<String>,
    name: &str,
    new: Option<Value>,
) {
    match (key, new) {
        (Some(k), None) => {
            map.shift_remove(&k);
        }
        (Some(k), Some(v)) if k == name => {
            map.insert(k, v);
        }
        (Some(k), Some(v)) => {
            map.shift_remove(&k);
            map.insert(name.to_owned(), v);
        }
        (None, Some(v)) => {
            map.insert(name.to_owned(), v);
        }
        (None, None) => {}
    }
}

/// Known attributes are stored under their canonical name; unknown ones keep the stored spelling.
pub(super) fn stored_name(t: &AttrTarget, key: Option<&str>) -> String {
    match (t.def, key) {
        (None, Some(key)) => key.to_owned(),
        _ => t.name.clone(),
    }
}

pub(super) fn set_key(map: &mut Map<String, Value>, name: &str, value: Value) {
    let key = key_of(map, name).cloned();
    put(map, key, name, Some(value));
}

pub(super) fn remove_key(map: &mut Map<String, Value>, name: &str) {
    if let Some(key) = key_of(map, name).cloned() {
        map.shift_remove(&key);
    }
}

/// The object holding the target: the resource itself, or its extension object (created when
/// `create`; a known extension stored under another spelling is re-keyed to the canonical URN).
pub(super) fn container_mut<'a>(
    resource: &'a mut Map<String, Value>,
    ext: Option<&Ext>,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    let Some(ext) = ext else {
        return Some(resource);
    };
    let key = match find_key(resource, &ext.urn).cloned() {
        Some(k) if k != ext.urn && ext.attrs.is_some() => {
            let v = resource.shift_remove(&k).unwrap_or_default();
            resource.insert(ext.urn.clone(), v);
            ext.urn.clone()
        }
        Some(k) => k,
        None if create => {
            resource.insert(ext.urn.clone(), Value::Object(Map::new()));
            ext.urn.clone()
        }
        None => return None,
    };
    let slot = resource.get_mut(&key)?;
    if !slot.is_object() {
        if !create {
            return None;
        }
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// List `urn` in `schemas` (an extension that holds attributes must be listed).
pub(super) fn ensure_schema(resource: &mut Map<String, Value>, urn: &str, kind: ResourceKind) {
    match resource.get_mut("schemas") {
        Some(Value::Array(list)) => {
            if !list
                .iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
            {
                list.push(Value::String(urn.to_owned()));
            }
        }
        _ => {
            let list = vec![
                Value::String(kind.schema().to_owned()),
                Value::String(urn.to_owned()),
            ];
            resource.insert("schemas".into(), Value::Array(list));
        }
    }
}

/// Remove an extension object and its `schemas` entry.
pub(super) fn remove_extension(resource: &mut Map<String, Value>, urn: &str) {
    if let Some(key) = find_key(resource, urn).cloned() {
        resource.shift_remove(&key);
    }
    if let Some(Value::Array(list)) = resource.get_mut("schemas") {
        list.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    }
}

/// After a removal, an extension object left empty goes away with its `schemas` entry.
pub(super) fn drop_empty_extension(resource: &mut Map<String, Value>, ext: Option<&Ext>) {
    let Some(ext) = ext else { return };
    let empty = find_key(resource, &ext.urn)
        .and_then(|k| resource.get(k))
        .is_some_and(|v| v.as_object().is_some_and(Map::is_empty));
    if empty {
        remove_extension(resource, &ext.urn);
    }
}
