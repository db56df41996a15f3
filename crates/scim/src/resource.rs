//! The resource model: turning a client's JSON into the attributes ScimLab stores, and turning a
//! stored resource back into what a client asked to see.
//!
//! Resources are JSON objects, not structs: an admin must see exactly what the IdP sent,
//! including attributes and extensions no schema knows. What this module does is canonicalise
//! known attribute names, coerce the shapes IdPs get wrong (string booleans, manager as a string,
//! `"$ref": null`, roles as JSON in a string), drop what must never be stored (`password`) or is
//! server-owned (`id`, `meta`, `groups`), and label every such repair as a [`Quirk`].

use crate::error::{Result, ScimError};
use crate::filter::AttrPath;
use crate::quirks::{Quirk, Quirks};
use crate::schema::{
    AttrDef, AttrType, ENTERPRISE_USER_SCHEMA, MICROSOFT_GROUP_SCHEMA, Mutability, ResourceKind,
    Returned, looks_like_schema_urn,
};
use crate::{depth, names};
use serde_json::{Map, Value};

/// Coerce a string boolean (`"True"`, `"false"`) to a boolean, recording the quirk.
/// Returns the value unchanged when it is not a string boolean.
pub fn coerce_bool(value: Value, attr_name: &str, quirks: &mut Quirks) -> Result<Value> {
    if let Value::String(s) = &value {
        let b = if s.eq_ignore_ascii_case("true") {
            true
        } else if s.eq_ignore_ascii_case("false") {
            false
        } else {
            return Err(ScimError::invalid_value(format!(
                "'{attr_name}' must be a boolean, got the string '{s}': send true or false"
            )));
        };
        quirks.tolerate(Quirk::StringBoolean, || {
            ScimError::invalid_value(format!(
                "'{attr_name}' must be a json boolean, got the string '{s}' (strict mode): send {b}"
            ))
        })?;
        return Ok(Value::Bool(b));
    }
    Ok(value)
}

/// If `value` is a string holding a JSON object or array, parse it (Entra app-role PATCHes).
fn unwrap_json_in_string(value: Value, attr_name: &str, quirks: &mut Quirks) -> Result<Value> {
    if let Value::String(s) = &value {
        let t = s.trim_start();
        if (t.starts_with('{') || t.starts_with('['))
            && let Ok(parsed) = serde_json::from_str::<Value>(s)
        {
            check_unwrapped_depth(&parsed, attr_name)?;
            quirks.tolerate(Quirk::JsonInString, || {
                    ScimError::invalid_value(format!(
                        "'{attr_name}' got a json document inside a string (strict mode): send the object itself"
                    ))
                })?;
            return Ok(parsed);
        }
    }
    Ok(value)
}

/// A JSON document unwrapped from a string lands inside the resource: refuse it when it alone
/// nests deeper than [`depth::MAX_DEPTH`] (the whole resource is checked again after ingest).
fn check_unwrapped_depth(parsed: &Value, attr_name: &str) -> Result<()> {
    depth::check_resource(
        parsed,
        &format!("the json document inside a string in '{attr_name}'"),
    )
}

/// Canonicalise and coerce one element of a complex attribute (an object of sub-attributes).
fn coerce_complex_object(
    def: &AttrDef,
    obj: Map<String, Value>,
    quirks: &mut Quirks,
) -> Result<Value> {
    let mut out = Map::with_capacity(obj.len());
    for (key, val) in obj {
        if val.is_null() {
            if key == "$ref" {
                quirks.tolerate(Quirk::NullRef, || {
                    ScimError::invalid_value(format!(
                        "'{}.$ref' is null (strict mode): omit $ref or send a uri",
                        def.name
                    ))
                })?;
            } else {
                quirks.note(Quirk::NullAttribute);
            }
            continue;
        }
        match def.sub(&key) {
            Some(sub) => {
                if sub.name != key {
                    quirks.note(Quirk::AttributeNameCase);
                }
                let path = format!("{}.{}", def.name, sub.name);
                let v = if sub.ty == AttrType::Boolean {
                    coerce_bool(val, &path, quirks)?
                } else {
                    val
                };
                check_simple_type(sub, &path, &v, quirks)?;
                out.insert(sub.name.to_owned(), v);
            }
            None => {
                out.insert(key, val);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Check a simple (non-complex) value against its attribute type. A scalar of another type is
/// labelled `scim.wrong-type`, an object or a list `scim.core-attribute-shadowed` (a custom
/// attribute named like a core one); both are kept as sent, and strict mode answers 400
/// `invalidValue`.
fn check_simple_type(def: &AttrDef, path: &str, value: &Value, quirks: &mut Quirks) -> Result<()> {
    let (ok, expected) = match def.ty {
        AttrType::String | AttrType::Reference | AttrType::DateTime => {
            (value.is_string(), "a string")
        }
        AttrType::Boolean => (value.is_boolean(), "true or false"),
        AttrType::Integer => (value.is_i64() || value.is_u64(), "an integer"),
        AttrType::Decimal => (value.is_number(), "a number"),
        AttrType::Complex => (true, ""),
    };
    if ok || value.is_null() {
        return Ok(());
    }
    if value.is_object() || value.is_array() {
        return shadowed(path, expected, value, quirks);
    }
    quirks.tolerate(Quirk::WrongType, || {
        ScimError::invalid_value(format!(
            "'{path}' must be {expected}, got {} (strict mode)",
            json_kind(value)
        ))
    })
}

/// Accept a core attribute whose JSON type is not the one RFC 7643 defines, as sent: this is
/// what a custom IdP attribute named like a core one looks like (Okta's guide-made `name`
/// string). Labelled `okta.string-name` for a string `name`, `scim.core-attribute-shadowed`
/// otherwise; strict mode answers 400 `invalidValue` naming the attribute and the fix.
fn shadowed(path: &str, expected: &str, value: &Value, quirks: &mut Quirks) -> Result<()> {
    let string_name = path == "name" && value.is_string();
    let quirk = if string_name {
        Quirk::StringName
    } else {
        Quirk::ShadowedCoreAttribute
    };
    quirks.tolerate(quirk, || {
        let fix = if string_name {
            "in okta's profile editor give the 'name' attribute a custom external namespace (or another external name), or map the display name to displayName"
        } else {
            "a custom attribute should not reuse a core attribute's name: rename it or put it in a custom extension"
        };
        ScimError::invalid_value(format!(
            "'{path}' must be {expected} (rfc 7643), got {} (strict mode): {fix}",
            json_kind(value)
        ))
    })
}

/// Entra app-role assignments arrive as `{"value": "{\"id\":…,\"value\":\"Admin\"}"}`:
/// the element's `value` is a JSON object in a string. Unwrap it into the element.
fn unwrap_json_in_value(
    mut obj: Map<String, Value>,
    attr_name: &str,
    quirks: &mut Quirks,
) -> Result<Map<String, Value>> {
    let Some(key) = find_key(&obj, "value").cloned() else {
        return Ok(obj);
    };
    let parsed = match obj.get(&key) {
        Some(Value::String(s)) if s.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(inner)) => {
                    check_unwrapped_depth(&Value::Object(inner.clone()), attr_name)?;
                    inner
                }
                _ => return Ok(obj),
            }
        }
        _ => return Ok(obj),
    };
    quirks.tolerate(Quirk::JsonInString, || {
        ScimError::invalid_value(format!(
            "'{attr_name}.value' holds a json document inside a string (strict mode): send its fields as the element"
        ))
    })?;
    obj.remove(&key);
    for (k, v) in parsed {
        obj.insert(k, v);
    }
    Ok(obj)
}

/// Coerce a value for attribute `def` (of the core schema or an extension) into its RFC shape.
///
/// Handles string booleans, JSON in a string, `"$ref": null`, the enterprise `manager` as a
/// string or a one-element array, and a single object sent for a multi-valued attribute.
/// `null` is returned as `null`; callers treat it as "unassigned".
pub fn coerce_attr_value(def: &AttrDef, value: Value, quirks: &mut Quirks) -> Result<Value> {
    if value.is_null() {
        return Ok(value);
    }
    if def.ty == AttrType::Boolean && !def.multi_valued {
        let value = coerce_bool(value, def.name, quirks)?;
        check_simple_type(def, def.name, &value, quirks)?;
        return Ok(value);
    }
    if def.ty != AttrType::Complex {
        if !def.multi_valued {
            check_simple_type(def, def.name, &value, quirks)?;
        }
        return Ok(value);
    }
    let value = unwrap_json_in_string(value, def.name, quirks)?;
    if def.multi_valued {
        let items = match value {
            Value::Array(items) => items,
            Value::Object(_) => vec![value],
            other if is_structural(def) => {
                return Err(ScimError::invalid_value(format!(
                    "'{}' must be an array of objects, got {other}",
                    def.name
                )));
            }
            other => {
                shadowed(def.name, "an array of objects", &other, quirks)?;
                return Ok(other);
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let item = unwrap_json_in_string(item, def.name, quirks)?;
            match item {
                Value::Object(obj) => {
                    let obj = unwrap_json_in_value(obj, def.name, quirks)?;
                    out.push(coerce_complex_object(def, obj, quirks)?);
                }
                Value::Null => quirks.note(Quirk::NullAttribute),
                // A bare string in a multi-valued complex attribute is its `value`.
                Value::String(s) => {
                    let mut m = Map::new();
                    m.insert("value".into(), Value::String(s));
                    out.push(Value::Object(m));
                }
                other if is_structural(def) => {
                    return Err(ScimError::invalid_value(format!(
                        "'{}' elements must be objects, got {other}",
                        def.name
                    )));
                }
                other => {
                    shadowed(def.name, "an array of objects", &other, quirks)?;
                    out.push(other);
                }
            }
        }
        return Ok(Value::Array(out));
    }
    // Single-valued complex (name, manager, meta).
    let is_manager = def.name == "manager";
    match value {
        Value::Object(obj) => coerce_complex_object(def, obj, quirks),
        Value::String(s) if is_manager => {
            quirks.tolerate(Quirk::ManagerAsString, || {
                ScimError::invalid_value(format!(
                    "'manager' must be an object like {{\"value\": \"{s}\"}}, got a string (strict mode)"
                ))
            })?;
            let mut m = Map::new();
            m.insert("value".into(), Value::String(s));
            Ok(Value::Object(m))
        }
        Value::Array(mut items) if is_manager && items.len() <= 1 => {
            quirks.tolerate(Quirk::ManagerAsArray, || {
                ScimError::invalid_value(
                    "'manager' must be a single object, got an array (strict mode)",
                )
            })?;
            match items.pop() {
                None => Ok(Value::Null),
                Some(inner) => coerce_attr_value(def, inner, quirks),
            }
        }
        other => {
            shadowed(def.name, "an object of sub-attributes", &other, quirks)?;
            Ok(other)
        }
    }
}

/// Multi-valued attributes the server itself reads element by element (a group's `members`):
/// their shape is not an IdP's to choose, so a wrong one stays an error in every mode.
fn is_structural(def: &AttrDef) -> bool {
    def.name == "members"
}

/// The server-owned or secret attributes a client may send but that are never stored.
fn is_dropped_on_write(kind: ResourceKind, def: &AttrDef) -> bool {
    def.mutability == Mutability::ReadOnly
        || def.returned == Returned::Never
        || (kind == ResourceKind::User && def.name == "groups")
}

/// Ingest an extension object keyed by its URN.
fn ingest_extension(
    attrs: &'static [AttrDef],
    urn: &str,
    value: Value,
    quirks: &mut Quirks,
) -> Result<Value> {
    let Value::Object(obj) = value else {
        return Err(ScimError::invalid_syntax(format!(
            "extension '{urn}' must be a json object of its attributes, got {value}"
        )));
    };
    let mut out = Map::with_capacity(obj.len());
    for (key, val) in obj {
        if val.is_null() {
            quirks.note(Quirk::NullAttribute);
            continue;
        }
        match attrs.iter().find(|a| a.name.eq_ignore_ascii_case(&key)) {
            Some(def) => {
                if def.name != key {
                    quirks.note(Quirk::AttributeNameCase);
                }
                let v = coerce_attr_value(def, val, quirks)?;
                if !v.is_null() {
                    out.insert(def.name.to_owned(), v);
                }
            }
            None => {
                quirks.note(Quirk::UnknownAttribute);
                out.insert(key, val);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Resolve URN-qualified keys before ingestion, so every attribute meets the same rules
/// (canonical names, `password` dropped, read-only ignored):
/// - the core schema URN as an object (`"urn:…:core:2.0:User": {"userName": …}`) merges its
///   attributes into the top level;
/// - `"urn:…:core:2.0:User:password"` becomes `password`;
/// - `"urn:…:enterprise:2.0:User:department"` moves into the enterprise extension object.
fn qualify_keys(kind: ResourceKind, obj: Map<String, Value>) -> Map<String, Value> {
    fn put(out: &mut Map<String, Value>, container: Option<&str>, key: String, val: Value) {
        let target = match container {
            None => out,
            Some(urn) => {
                let slot = out
                    .entry(urn.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                match slot.as_object_mut() {
                    Some(m) => m,
                    None => return,
                }
            }
        };
        match (target.get_mut(&key), val) {
            (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
            (_, val) => {
                target.insert(key, val);
            }
        }
    }
    /// One key of the body, or of a core URN object inside it: the keys inside that object
    /// meet the same rules as top-level ones, so what a GET returns reads back the same.
    fn place(kind: ResourceKind, out: &mut Map<String, Value>, key: String, val: Value) {
        if key.eq_ignore_ascii_case(kind.schema()) {
            match val {
                Value::Object(inner) => {
                    for (k, v) in inner {
                        place(kind, out, k, v);
                    }
                }
                val => put(out, None, key, val),
            }
            return;
        }
        if let Some((urn, attr)) = crate::schema::split_urn(&key) {
            if urn.eq_ignore_ascii_case(kind.schema()) {
                put(out, None, attr.to_owned(), val);
                return;
            }
            if let Some((ext, _)) = kind.extension(urn) {
                put(out, Some(ext), attr.to_owned(), val);
                return;
            }
        }
        put(out, None, key, val);
    }
    let mut out = Map::with_capacity(obj.len());
    for (key, val) in obj {
        place(kind, &mut out, key, val);
    }
    out
}

/// Whether an attribute name is a password: `password` in any case, or a qualified or dotted
/// name ending in it (`urn:…:User:password`, `name.password`) — the names capture redaction
/// treats as passwords too.
pub fn is_password_key(key: &str) -> bool {
    let k = key.trim();
    let tail = k.rsplit([':', '.']).next().unwrap_or(k);
    tail.eq_ignore_ascii_case("password")
}

/// Remove every password attribute ([`is_password_key`]) at any depth of `value`: in the
/// resource, its extensions, complex attributes and their elements. Returns whether one was
/// removed. Secrets are never stored, whatever the IdP nests them in.
pub fn drop_passwords(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => drop_passwords_in(map),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |acc, v| drop_passwords(v) | acc),
        _ => false,
    }
}

/// [`drop_passwords`] on an object held as its map.
pub fn drop_passwords_in(map: &mut Map<String, Value>) -> bool {
    let before = map.len();
    map.retain(|k, _| !is_password_key(k));
    let mut removed = map.len() != before;
    for v in map.values_mut() {
        removed |= drop_passwords(v);
    }
    removed
}

/// Read the `schemas` array of a request body; `None` when absent.
fn read_schemas(value: Option<Value>) -> Result<Option<Vec<String>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(ScimError::invalid_syntax(format!(
                    "'schemas' must be an array of urn strings, got the element {other}"
                ))),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(other) => Err(ScimError::invalid_syntax(format!(
            "'schemas' must be an array of urn strings, got {other}"
        ))),
    }
}

/// Turn a POST or PUT body into the attributes to store for a resource of `kind`.
///
/// The result holds `schemas` and every writable attribute, canonicalised and coerced; it never
/// holds `id`, `meta`, `password` or a user's `groups`. Unknown attributes and extension objects
/// are kept as sent. Fails with `invalidSyntax`/`invalidValue` on shapes no IdP sends, and on the
/// missing required attribute (`userName` for users, `displayName` for groups).
pub fn ingest(kind: ResourceKind, body: Value, quirks: &mut Quirks) -> Result<Map<String, Value>> {
    let Value::Object(mut obj) = body else {
        return Err(ScimError::invalid_syntax(format!(
            "the request body must be a json object (a {} resource), got {}",
            kind.name(),
            json_kind(&body)
        )));
    };
    let schemas_key = obj
        .keys()
        .find(|k| k.eq_ignore_ascii_case("schemas"))
        .cloned();
    let mut schemas = match schemas_key.and_then(|k| obj.remove(&k)).map(Some) {
        Some(v) => read_schemas(v)?,
        None => None,
    }
    .unwrap_or_else(Vec::new);
    if schemas.is_empty() {
        quirks.tolerate(Quirk::MissingSchemas, || {
            ScimError::invalid_syntax(format!(
                "'schemas' is missing (strict mode): send [\"{}\"]",
                kind.schema()
            ))
        })?;
    }
    if schemas.iter().any(|s| s == MICROSOFT_GROUP_SCHEMA) {
        quirks.note(Quirk::MicrosoftGroupSchema);
    }

    if schemas.iter().any(|s| {
        let l = s.to_ascii_lowercase();
        l.contains(":extension:enterprise:") && !s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA)
    }) {
        quirks.note(Quirk::MalformedEnterpriseUrn);
    }

    let mut out = Map::with_capacity(obj.len() + 1);
    for (key, val) in qualify_keys(kind, obj) {
        if looks_like_schema_urn(&key) {
            if val.is_null() {
                quirks.note(Quirk::NullAttribute);
                continue;
            }
            let (canonical, v) = match kind.extension(&key) {
                Some((urn, attrs)) => (urn.to_owned(), ingest_extension(attrs, urn, val, quirks)?),
                None => {
                    let lower = key.to_ascii_lowercase();
                    if lower.contains(":extension:enterprise:") {
                        quirks.note(Quirk::MalformedEnterpriseUrn);
                    }
                    (key, val)
                }
            };
            if !schemas.iter().any(|s| s.eq_ignore_ascii_case(&canonical)) {
                quirks.tolerate(Quirk::ExtensionNotInSchemas, || {
                    ScimError::invalid_syntax(format!(
                        "extension '{canonical}' is present but not listed in 'schemas' (strict mode): add it to 'schemas'"
                    ))
                })?;
                schemas.push(canonical.clone());
            }
            out.insert(canonical, v);
            continue;
        }
        match kind.core_attr(&key) {
            Some(def) => {
                if def.name == "meta" {
                    quirks.note(Quirk::ClientSentMeta);
                    continue;
                }
                if def.name == "password" {
                    quirks.note(Quirk::PasswordSent);
                    continue;
                }
                if is_dropped_on_write(kind, def) {
                    quirks.note(Quirk::PutEchoesReadOnly);
                    continue;
                }
                if val.is_null() {
                    quirks.note(Quirk::NullAttribute);
                    continue;
                }
                if def.name != key {
                    quirks.note(Quirk::AttributeNameCase);
                }
                let v = coerce_attr_value(def, val, quirks)?;
                if !v.is_null() {
                    out.insert(def.name.to_owned(), v);
                }
            }
            None => {
                if val.is_null() {
                    quirks.note(Quirk::NullAttribute);
                    continue;
                }
                quirks.note(Quirk::UnknownAttribute);
                out.insert(key, val);
            }
        }
    }
    if !schemas
        .iter()
        .any(|s| s.eq_ignore_ascii_case(kind.schema()))
    {
        schemas.insert(0, kind.schema().to_owned());
    }
    out.insert(
        "schemas".into(),
        schemas.into_iter().map(Value::String).collect(),
    );
    // Passwords anywhere (an extension, a complex attribute, an element): dropped, labelled.
    if drop_passwords_in(&mut out) {
        quirks.note(Quirk::PasswordSent);
    }
    validate_required(kind, &out)?;
    depth::check_attributes(&out, &format!("the {}", kind.name().to_ascii_lowercase()))?;
    Ok(out)
}

/// Check the required attribute of `kind` is a non-empty string without control characters
/// (after a create, PUT or PATCH: one answer for all three, see [`names::check_name`]).
pub fn validate_required(kind: ResourceKind, resource: &Map<String, Value>) -> Result<()> {
    let attr = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    match resource.get(attr) {
        Some(Value::String(s)) if !s.trim().is_empty() => names::check_name(attr, s),
        Some(other) => Err(ScimError::invalid_value(format!(
            "'{attr}' must be a non-empty string, got {other}"
        ))),
        None => Err(ScimError::invalid_value(format!(
            "'{attr}' is required: send a non-empty string in '{attr}'"
        ))),
    }
}

/// A short name of a JSON value's type, for error messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The entry of `obj` for `name`: the exact spelling when present, else the first key equal to
/// it ignoring ASCII case (SCIM attribute names are case-insensitive; stored spellings are kept).
/// `unicase` was weighed: attribute names are ASCII by the RFC's grammar, and the standard
/// library's `eq_ignore_ascii_case` is what we need without a map type of our own.
pub fn entry_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<(&'a String, &'a Value)> {
    obj.get_key_value(name)
        .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
}

/// The value of `obj` for `name`, as [`entry_ci`] finds it.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    entry_ci(obj, name).map(|(_, v)| v)
}

/// Find the key of `obj` matching `name` case-insensitively.
pub fn find_key<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name))
}

/// Apply `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) to a full resource.
///
/// `id`, `schemas` and `meta` are always returned (they are `returned: always` or server
/// metadata); an `attributes` list keeps only the named attributes (a sub-attribute path keeps
/// just that sub-attribute); `excludedAttributes` removes the named ones. Both are
/// case-insensitive and may be URN-qualified.
pub fn project(mut resource: Value, include: &[AttrPath], exclude: &[AttrPath]) -> Value {
    let Some(obj) = resource.as_object_mut() else {
        return resource;
    };
    const ALWAYS: [&str; 3] = ["id", "schemas", "meta"];
    if !include.is_empty() {
        let mut kept = Map::new();
        for (key, val) in std::mem::take(obj) {
            if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(&key)) {
                kept.insert(key, val);
                continue;
            }
            if looks_like_schema_urn(&key) {
                // Extension object: keep the whole object if named, else only named attributes.
                if include
                    .iter()
                    .any(|p| p.urn.is_none() && p.name.eq_ignore_ascii_case(&key))
                {
                    kept.insert(key, val);
                    continue;
                }
                let wanted: Vec<&AttrPath> = include
                    .iter()
                    .filter(|p| {
                        p.urn
                            .as_deref()
                            .is_some_and(|u| u.eq_ignore_ascii_case(&key))
                    })
                    .collect();
                if let (false, Value::Object(ext)) = (wanted.is_empty(), val) {
                    let sub: Map<String, Value> = ext
                        .into_iter()
                        .filter(|(k, _)| wanted.iter().any(|p| p.name.eq_ignore_ascii_case(k)))
                        .collect();
                    kept.insert(key, Value::Object(sub));
                }
                continue;
            }
            let matching: Vec<&AttrPath> = include
                .iter()
                .filter(|p| p.name.eq_ignore_ascii_case(&key) && !is_foreign_urn(p))
                .collect();
            if matching.is_empty() {
                continue;
            }
            if matching.iter().any(|p| p.sub.is_none()) {
                kept.insert(key, val);
            } else {
                let subs: Vec<&str> = matching.iter().filter_map(|p| p.sub.as_deref()).collect();
                kept.insert(key, keep_subs(val, &subs));
            }
        }
        *obj = kept;
    }
    for p in exclude {
        if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(&p.name)) && p.urn.is_none() {
            continue;
        }
        let container = match &p.urn {
            Some(urn) if !is_core_urn(urn) => {
                match find_key(obj, urn).cloned().and_then(|k| obj.get_mut(&k)) {
                    Some(Value::Object(ext)) => ext,
                    _ => continue,
                }
            }
            _ => &mut *obj,
        };
        let Some(key) = find_key(container, &p.name).cloned() else {
            continue;
        };
        match &p.sub {
            None => {
                container.remove(&key);
            }
            Some(sub) => drop_sub(container.get_mut(&key), sub),
        }
    }
    resource
}

fn is_core_urn(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(crate::schema::USER_SCHEMA)
        || urn.eq_ignore_ascii_case(crate::schema::GROUP_SCHEMA)
}

fn is_foreign_urn(p: &AttrPath) -> bool {
    p.urn.as_deref().is_some_and(|u| !is_core_urn(u))
}

fn keep_subs(val: Value, subs: &[&str]) -> Value {
    let filter_obj = |o: Map<String, Value>| -> Value {
        Value::Object(
            o.into_iter()
                .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .collect(),
        )
    };
    match val {
        Value::Object(o) => filter_obj(o),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| match i {
                    Value::Object(o) => filter_obj(o),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

#[allow(clippy::needless_pass_by_value)] // an Option of a borrow is already cheap to pass
fn drop_sub(val: Option<&mut Value>, sub: &str) {
    let remove = |o: &mut Map<String, Value>| {
        if let Some(k) = find_key(o, sub).cloned() {
            o.remove(&k);
        }
    };
    match val {
        Some(Value::Object(o)) => remove(o),
        Some(Value::Array(items)) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(remove),
        _ => {}
    }
}

/// The enterprise extension URN, re-exported for callers that build resources.
pub const ENTERPRISE: &str = ENTERPRISE_USER_SCHEMA;

#[cfg(test)]
mod tests;
