//! What a PATCH path or a path-less value key names: an attribute (maybe a sub-attribute) in the
//! core schema or an extension, a whole extension object, or the core schema itself.
//!
//! Names are canonicalised to the schema's spelling; unknown attributes keep the spelling sent.
//! Unknown extension URNs are kept as sent (or as already stored) so they round-trip unchanged.

use crate::error::{Result, ScimError};
use crate::filter::AttrPath;
use crate::quirks::{Quirk, Quirks};
use crate::resource::find_key;
use crate::schema::{AttrDef, ResourceKind, looks_like_schema_urn, split_urn};
use serde_json::{Map, Value};

/// An extension container: the object keyed by `urn` at the top of the resource.
#[derive(Debug, Clone)]
pub(super) struct Ext {
    /// Canonical URN for known extensions; as sent (or as stored) for unknown ones.
    pub urn: String,
    /// Attribute definitions, for known extensions.
    pub attrs: Option<&'static [AttrDef]>,
}

/// One attribute (optionally one of its sub-attributes).
#[derive(Debug, Clone)]
pub(super) struct AttrTarget {
    /// `None` for core attributes.
    pub ext: Option<Ext>,
    /// Canonical name when known, else as sent.
    pub name: String,
    pub def: Option<&'static AttrDef>,
    /// Canonical sub-attribute name when known, else as sent.
    pub sub: Option<String>,
    pub sub_def: Option<&'static AttrDef>,
}

impl AttrTarget {
    /// The attribute without sub-attribute, as the filter evaluator wants its parent.
    pub fn parent_path(&self) -> AttrPath {
        AttrPath {
            urn: self.ext.as_ref().map(|e| e.urn.clone()),
            name: self.name.clone(),
            sub: None,
        }
    }

    /// The path as shown in messages, e.g. `name.givenName` or `urn:...:User:manager`.
    pub fn shown(&self) -> String {
        let mut s = match &self.ext {
            Some(e) => format!("{}:{}", e.urn, self.name),
            None => self.name.clone(),
        };
        if let Some(sub) = &self.sub {
            s.push('.');
            s.push_str(sub);
        }
        s
    }
}

/// What a path or key names.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// The core schema URN itself: its value's keys are core attributes.
    Core,
    /// A whole extension object.
    Extension(Ext),
    /// An attribute.
    Attr(AttrTarget),
}

/// Resolve a parsed path (`urn`, `name`, `sub`) against `kind` and the stored `resource`.
pub(super) fn resolve_path(
    urn: Option<&str>,
    name: &str,
    sub: Option<&str>,
    kind: ResourceKind,
    resource: &Map<String, Value>,
    quirks: &mut Quirks,
) -> Target {
    match urn {
        None if sub.is_none() && looks_like_schema_urn(name) => whole_urn(name, kind, resource)
            .unwrap_or_else(|| Target::Extension(ext_for(name, kind, resource, quirks))),
        None => Target::Attr(unqualified(name, sub, kind, resource, quirks)),
        Some(u) if u.eq_ignore_ascii_case(kind.schema()) => {
            Target::Attr(attr_target(None, name, sub, kind, quirks))
        }
        Some(u) => {
            if sub.is_none()
                && let Some(t) = whole_urn(&format!("{u}:{name}"), kind, resource)
            {
                return t;
            }
            let ext = ext_for(u, kind, resource, quirks);
            Target::Attr(attr_target(Some(ext), name, sub, kind, quirks))
        }
    }
}

/// Resolve a key of a path-less `add`/`replace` value, labelling dotted and URN-qualified keys
/// (Entra `aadOptscim062020`); strict mode rejects them with `invalidSyntax`.
pub(super) fn resolve_key(
    key: &str,
    kind: ResourceKind,
    resource: &Map<String, Value>,
    quirks: &mut Quirks,
) -> Result<Target> {
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        // `{"urn:...:enterprise:2.0:User": {...}}` is the RFC form: no quirk.
        if let Some(t) = whole_urn(key, kind, resource) {
            return Ok(t);
        }
        if let Some((urn, rest)) = split_urn(key) {
            quirks.tolerate(Quirk::PathlessUrnKey, || {
                ScimError::invalid_syntax(format!(
                    "path-less value key '{key}' is urn-qualified (strict mode): nest it as {{\"{urn}\": {{\"{rest}\": ...}}}} or send it with \"path\": \"{key}\""
                ))
            })?;
            let (name, sub) = split_dot(rest);
            return Ok(resolve_path(Some(urn), name, sub, kind, resource, quirks));
        }
    }
    let (name, sub) = split_dot(key);
    if let Some(sub) = sub {
        quirks.tolerate(Quirk::PathlessDottedKey, || {
            ScimError::invalid_syntax(format!(
                "path-less value key '{key}' is a dotted path (strict mode): nest it as {{\"{name}\": {{\"{sub}\": ...}}}} or send it with \"path\": \"{key}\""
            ))
        })?;
    }
    Ok(Target::Attr(unqualified(name, sub, kind, resource, quirks)))
}

/// `name.sub` → (`name`, `Some(sub)`); a key with an empty part stays whole.
fn split_dot(key: &str) -> (&str, Option<&str>) {
    match key.split_once('.') {
        Some((name, sub)) if !name.is_empty() && !sub.is_empty() => (name, Some(sub)),
        _ => (key, None),
    }
}

/// A name without URN: a core attribute; else an attribute already stored at the top level under
/// that name (kept where it is); else the one extension attribute of that name (Entra sends
/// `manager[value eq "..."]` without the enterprise URN); else a new unknown top-level attribute.
fn unqualified(
    name: &str,
    sub: Option<&str>,
    kind: ResourceKind,
    resource: &Map<String, Value>,
    quirks: &mut Quirks,
) -> AttrTarget {
    if kind.core_attr(name).is_none() && find_key(resource, name).is_none() {
        let mut found = kind
            .extensions()
            .iter()
            .filter(|(_, attrs)| attrs.iter().any(|a| a.name.eq_ignore_ascii_case(name)));
        if let (Some(&(urn, attrs)), None) = (found.next(), found.next()) {
            let ext = Ext {
                urn: urn.to_owned(),
                attrs: Some(attrs),
            };
            return attr_target(Some(ext), name, sub, kind, quirks);
        }
    }
    attr_target(None, name, sub, kind, quirks)
}

/// `key` as a whole schema: the core schema, a known extension, or an unknown extension that the
/// resource already holds or lists, or whose last segment is the resource type (`...:2.0:User`).
fn whole_urn(key: &str, kind: ResourceKind, resource: &Map<String, Value>) -> Option<Target> {
    if key.eq_ignore_ascii_case(kind.schema()) {
        return Some(Target::Core);
    }
    if let Some((urn, attrs)) = kind.extension(key) {
        return Some(Target::Extension(Ext {
            urn: urn.to_owned(),
            attrs: Some(attrs),
        }));
    }
    if !looks_like_schema_urn(key) {
        return None;
    }
    let stored = find_key(resource, key)
        .cloned()
        .or_else(|| listed_schema(resource, key));
    let ends_with_type = key
        .rsplit(':')
        .next()
        .is_some_and(|last| last.eq_ignore_ascii_case(kind.name()));
    match stored {
        Some(urn) => Some(Target::Extension(Ext { urn, attrs: None })),
        None if ends_with_type => Some(Target::Extension(Ext {
            urn: key.to_owned(),
            attrs: None,
        })),
        None => None,
    }
}

/// The spelling of `urn` in the resource's `schemas`, if listed.
fn listed_schema(resource: &Map<String, Value>, urn: &str) -> Option<String> {
    resource
        .get("schemas")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|s| s.eq_ignore_ascii_case(urn))
        .map(str::to_owned)
}

/// The extension container for `urn`: canonical when known; else as stored, listed, or sent.
fn ext_for(
    urn: &str,
    kind: ResourceKind,
    resource: &Map<String, Value>,
    quirks: &mut Quirks,
) -> Ext {
    if let Some((canonical, attrs)) = kind.extension(urn) {
        return Ext {
            urn: canonical.to_owned(),
            attrs: Some(attrs),
        };
    }
    if urn.to_ascii_lowercase().contains(":extension:enterprise:") {
        quirks.note(Quirk::MalformedEnterpriseUrn);
    }
    let spelled = find_key(resource, urn)
        .cloned()
        .or_else(|| listed_schema(resource, urn));
    Ext {
        urn: spelled.unwrap_or_else(|| urn.to_owned()),
        attrs: None,
    }
}

/// Look up `name` (and `sub`) in the core schema (`ext` = `None`) or in `ext`, canonicalising.
pub(super) fn attr_target(
    ext: Option<Ext>,
    name: &str,
    sub: Option<&str>,
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> AttrTarget {
    let (def, schema_known) = match &ext {
        None => (kind.core_attr(name), true),
        Some(e) => (
            e.attrs
                .and_then(|attrs| attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))),
            e.attrs.is_some(),
        ),
    };
    let name = match def {
        Some(d) => {
            if d.name != name {
                quirks.note(Quirk::AttributeNameCase);
            }
            d.name.to_owned()
        }
        None => {
            // Attributes of unknown extensions are not labelled, as on create (resource::ingest).
            if schema_known && !(ext.is_none() && name.eq_ignore_ascii_case("schemas")) {
                quirks.note(Quirk::UnknownAttribute);
            }
            name.to_owned()
        }
    };
    let sub_def = sub.and_then(|s| def.and_then(|d| d.sub(s)));
    let sub = sub.map(|s| match sub_def {
        Some(sd) => {
            if sd.name != s {
                quirks.note(Quirk::AttributeNameCase);
            }
            sd.name.to_owned()
        }
        None => s.to_owned(),
    });
    AttrTarget {
        ext,
        name,
        def,
        sub,
        sub_def,
    }
}
