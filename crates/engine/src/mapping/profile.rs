//! Mapping profiles and the source-path language they are written in.
//!
//! A [`MappingProfile`] is plain data (admins edit, save and export it as JSON); before use it
//! is compiled once with [`MappingProfile::compile`], which parses every source path into a
//! [`SourcePath`] and reports the first bad one by field, position and text. The grammar is in
//! the [module docs of `mapping`](super). The three built-in profiles of issue 4 are here too.

use scimlab_scim::filter::{Filter, parse_filter};
use scimlab_scim::schema::USER_SCHEMA;
use scimlab_scim::{Mode, Quirks, ResourceKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// The id of the built-in Entra ID profile.
pub const ENTRA_PROFILE_ID: &str = "entra";
/// The id of the built-in Okta profile.
pub const OKTA_PROFILE_ID: &str = "okta";
/// The id of the built-in profile that picks Entra or Okta per user.
pub const AUTO_PROFILE_ID: &str = "auto";

/// A field of the target app's user model (ARCHITECTURE.md, "Target app model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TargetField {
    /// The login name.
    UserName,
    /// The name shown in the app.
    DisplayName,
    /// The email address.
    Email,
    /// `Member` or `Admin`.
    Role,
}

impl TargetField {
    /// Every field, in display order.
    pub const ALL: [TargetField; 4] = [
        TargetField::UserName,
        TargetField::DisplayName,
        TargetField::Email,
        TargetField::Role,
    ];

    /// The field in words, for explanations (`user name`, `display name`, `email`, `role`).
    pub fn label(self) -> &'static str {
        match self {
            Self::UserName => "user name",
            Self::DisplayName => "display name",
            Self::Email => "email",
            Self::Role => "role",
        }
    }
}

/// Where one target field is read from: source paths, tried in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldRule {
    /// The target field.
    pub field: TargetField,
    /// Source path expressions, first one first (see the language in the `mapping` docs).
    pub sources: Vec<String>,
}

/// A mapping profile: for each target field, where to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MappingProfile {
    /// Stable id (`entra`, `okta`, `auto` for the built-ins).
    pub id: String,
    /// Name shown to the admin.
    pub name: String,
    /// Whether ScimLab ships this profile (built-ins cannot be changed, only copied).
    #[serde(default)]
    pub builtin: bool,
    /// One rule per target field; a field without a rule is never read (`missing`, or the
    /// default role).
    pub fields: Vec<FieldRule>,
}

/// Whether `id` belongs to a built-in profile (so an admin's profile may not use it).
pub fn is_reserved_profile_id(id: &str) -> bool {
    [ENTRA_PROFILE_ID, OKTA_PROFILE_ID, AUTO_PROFILE_ID]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(id.trim()))
}

fn rule(field: TargetField, sources: &[&str]) -> FieldRule {
    FieldRule {
        field,
        sources: sources.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The three built-in profiles: `entra`, `okta`, `auto`.
pub fn builtin_profiles() -> Vec<MappingProfile> {
    vec![
        MappingProfile {
            id: ENTRA_PROFILE_ID.into(),
            name: "Entra ID (vendor guide)".into(),
            builtin: true,
            fields: vec![
                rule(TargetField::UserName, &["userName"]),
                rule(TargetField::DisplayName, &["displayName"]),
                rule(
                    TargetField::Email,
                    &[r#"emails[type eq "work"].value"#, "emails[primary].value"],
                ),
                rule(
                    TargetField::Role,
                    &[
                        "employeeType",
                        "*:employeeType",
                        "userType",
                        "roles[primary eq true].value",
                        "roles[0].value",
                    ],
                ),
            ],
        },
        MappingProfile {
            id: OKTA_PROFILE_ID.into(),
            name: "Okta (vendor guide)".into(),
            builtin: true,
            fields: vec![
                rule(TargetField::UserName, &["userName"]),
                rule(
                    TargetField::DisplayName,
                    &[
                        "name",
                        "displayName",
                        "name.formatted",
                        "name.givenName + name.familyName",
                    ],
                ),
                rule(
                    TargetField::Email,
                    &["email", "*:email", "emails[primary].value"],
                ),
                rule(
                    TargetField::Role,
                    &["role", "*:role", "roles[primary].value"],
                ),
            ],
        },
        MappingProfile {
            id: AUTO_PROFILE_ID.into(),
            name: "Auto (Entra ID or Okta, per user)".into(),
            builtin: true,
            fields: Vec::new(),
        },
    ]
}

/// The built-in profile with this id.
pub fn builtin_profile(id: &str) -> Option<MappingProfile> {
    builtin_profiles().into_iter().find(|p| p.id == id)
}

/// Which objects a path looks in.
#[derive(Debug, Clone, PartialEq)]
pub enum PathScope {
    /// The user's top level (core attributes and Okta's top-level custom attributes).
    Top,
    /// Every extension object (`*:`).
    AnyExtension,
    /// One named schema URN (matched case-insensitively).
    Schema(String),
}

/// Which element of a multi-valued attribute a path reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// `[n]`: the n-th element, counted from 0.
    Index(usize),
    /// `[primary]`: the element marked primary; the first when none is.
    Primary,
    /// `[filter]`: the elements matching a SCIM filter (the text kept as written).
    Filter(Filter, String),
}

/// One attribute reference: `[scope] name [selector] [.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrRef {
    /// Where to look.
    pub scope: PathScope,
    /// The attribute name, e.g. `emails`.
    pub name: String,
    /// Which element, for multi-valued attributes.
    pub selector: Option<Selector>,
    /// The sub-attribute, e.g. `value`.
    pub sub: Option<String>,
}

/// A parsed source path.
#[derive(Debug, Clone, PartialEq)]
pub enum SourcePath {
    /// One attribute.
    Attr(AttrRef),
    /// Several attributes whose text values are joined by a space (given + family name).
    Composite(Vec<AttrRef>),
}

/// A source path that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the source path '{expression}' is not valid: {message}")]
pub struct PathError {
    /// The expression as written.
    pub expression: String,
    /// What is wrong and how to write it.
    pub message: String,
}

/// A profile that cannot be used, naming what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The id is empty.
    #[error("the profile needs an id (letters, digits or '-', e.g. my-okta)")]
    EmptyId,
    /// The name is empty.
    #[error("the profile '{id}' needs a name")]
    EmptyName {
        /// The profile id.
        id: String,
    },
    /// Two rules for one field.
    #[error(
        "the profile '{id}' has two rules for the {field}: keep one and list its sources in order"
    )]
    DuplicateField {
        /// The profile id.
        id: String,
        /// The field's label.
        field: &'static str,
    },
    /// A rule without sources.
    #[error(
        "the {field} rule of profile '{id}' lists no source path: add one (e.g. userName) or remove the rule"
    )]
    NoSources {
        /// The profile id.
        id: String,
        /// The field's label.
        field: &'static str,
    },
    /// A source path that does not parse.
    #[error("the {field} rule of profile '{id}', source {position}: {error}")]
    BadPath {
        /// The profile id.
        id: String,
        /// The field's label.
        field: &'static str,
        /// The source's position in the rule, from 1.
        position: usize,
        /// The parse error (names the expression).
        error: PathError,
    },
    /// `auto` given rules of its own.
    #[error(
        "the profile id 'auto' is reserved for choosing entra or okta per user and cannot list rules"
    )]
    AutoWithRules,
}

/// A profile whose paths are parsed, ready for [`super::evaluate()`].
#[derive(Debug, Clone)]
pub struct CompiledProfile {
    pub(super) id: String,
    pub(super) kind: CompiledKind,
}

#[derive(Debug, Clone)]
pub(super) enum CompiledKind {
    /// `auto`: the Entra and Okta rules, picked per user.
    Auto {
        entra: Box<CompiledRules>,
        okta: Box<CompiledRules>,
    },
    Rules(CompiledRules),
}

/// Parsed rules: per field, its sources (as written and parsed).
#[derive(Debug, Clone)]
pub(super) struct CompiledRules {
    pub(super) id: String,
    pub(super) fields: Vec<(TargetField, Vec<(String, SourcePath)>)>,
}

impl CompiledProfile {
    /// The profile id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl MappingProfile {
    /// Parse every source path. The profile with id `auto` compiles to the per-IdP picker.
    pub fn compile(&self) -> Result<CompiledProfile, ProfileError> {
        let id = self.id.trim();
        if id.is_empty() {
            return Err(ProfileError::EmptyId);
        }
        if id.eq_ignore_ascii_case(AUTO_PROFILE_ID) {
            if !self.fields.is_empty() {
                return Err(ProfileError::AutoWithRules);
            }
            let builtin = |bid: &str| {
                builtin_profile(bid)
                    .ok_or(ProfileError::EmptyId)
                    .and_then(|p| p.compile_rules())
            };
            return Ok(CompiledProfile {
                id: AUTO_PROFILE_ID.into(),
                kind: CompiledKind::Auto {
                    entra: Box::new(builtin(ENTRA_PROFILE_ID)?),
                    okta: Box::new(builtin(OKTA_PROFILE_ID)?),
                },
            });
        }
        Ok(CompiledProfile {
            id: self.id.clone(),
            kind: CompiledKind::Rules(self.compile_rules()?),
        })
    }

    fn compile_rules(&self) -> Result<CompiledRules, ProfileError> {
        if self.name.trim().is_empty() {
            return Err(ProfileError::EmptyName {
                id: self.id.clone(),
            });
        }
        let mut fields: Vec<(TargetField, Vec<(String, SourcePath)>)> = Vec::new();
        for r in &self.fields {
            let label = r.field.label();
            if fields.iter().any(|(f, _)| *f == r.field) {
                return Err(ProfileError::DuplicateField {
                    id: self.id.clone(),
                    field: label,
                });
            }
            if r.sources.is_empty() {
                return Err(ProfileError::NoSources {
                    id: self.id.clone(),
                    field: label,
                });
            }
            let mut sources = Vec::with_capacity(r.sources.len());
            for (i, s) in r.sources.iter().enumerate() {
                let parsed = SourcePath::parse(s).map_err(|error| ProfileError::BadPath {
                    id: self.id.clone(),
                    field: label,
                    position: i + 1,
                    error,
                })?;
                sources.push((s.trim().to_owned(), parsed));
            }
            fields.push((r.field, sources));
        }
        Ok(CompiledRules {
            id: self.id.clone(),
            fields,
        })
    }
}

const EXAMPLES: &str = "write e.g. userName, name.formatted, emails[type eq \"work\"].value, roles[0].value, *:employeeType or name.givenName + name.familyName";

impl SourcePath {
    /// Parse one source path (grammar in the `mapping` module docs).
    pub fn parse(input: &str) -> Result<Self, PathError> {
        let fail = |message: String| PathError {
            expression: input.to_owned(),
            message,
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(fail(format!("it is empty: {EXAMPLES}")));
        }
        let parts = split_plus(text).map_err(fail)?;
        if parts.len() == 1 {
            return parse_term(text).map(SourcePath::Attr).map_err(fail);
        }
        let mut terms = Vec::with_capacity(parts.len());
        for part in parts {
            if part.trim().is_empty() {
                return Err(fail(
                    "a '+' needs an attribute on both sides, e.g. name.givenName + name.familyName"
                        .into(),
                ));
            }
            terms.push(parse_term(part.trim()).map_err(fail)?);
        }
        Ok(SourcePath::Composite(terms))
    }
}

/// Split on `+` outside quotes and brackets.
fn split_plus(text: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if in_quotes {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_quotes = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    "there is a ']' without its '[': a filter goes in brackets, e.g. emails[type eq \"work\"].value".to_owned()
                })?;
            }
            '+' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if in_quotes {
        return Err("a quoted value is never closed: add the closing '\"'".into());
    }
    if depth > 0 {
        return Err("a '[' is never closed: add the ']' after the filter".into());
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// Validate a SCIM attribute name.
fn check_name(name: &str, what: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the {what} name is missing: {EXAMPLES}"));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$' || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$')) {
        return Err(format!(
            "'{name}' is not a valid {what} name (start with a letter and use letters, digits, '-', '_' or '$')"
        ));
    }
    Ok(())
}

fn parse_term(term: &str) -> Result<AttrRef, String> {
    let (scope, rest) = if let Some(rest) = term.strip_prefix("*:") {
        (PathScope::AnyExtension, rest)
    } else if term
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
    {
        // The URN ends at the last ':' before any selector.
        let head = term.find('[').map_or(term, |i| &term[..i]);
        let idx = head.rfind(':').unwrap_or(0);
        let (urn, rest) = (&term[..idx], &term[idx + 1..]);
        if urn.len() <= 4 || urn.contains('*') {
            return Err(
                "a schema urn needs its attribute after a ':', e.g. urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType; for any extension write *:employeeType"
                    .into(),
            );
        }
        if rest.is_empty() {
            return Err(format!(
                "'{urn}:' names a schema but no attribute after it: add one, e.g. {urn}:employeeType"
            ));
        }
        let scope = if urn.eq_ignore_ascii_case(USER_SCHEMA) {
            PathScope::Top
        } else {
            PathScope::Schema(urn.to_owned())
        };
        (scope, rest)
    } else {
        (PathScope::Top, term)
    };
    if rest.contains('*') {
        return Err(
            "'*' is only allowed as '*:' at the start, meaning any extension, e.g. *:employeeType"
                .into(),
        );
    }
    let name_end = rest.find(['[', '.']).unwrap_or(rest.len());
    let name = &rest[..name_end];
    check_name(name, "attribute")?;
    let mut after = &rest[name_end..];
    let mut selector = None;
    if let Some(inner_start) = after.strip_prefix('[') {
        let close = closing_bracket(inner_start)
            .ok_or_else(|| "a '[' is never closed: add the ']' after the filter".to_owned())?;
        let inner = inner_start[..close].trim();
        selector = Some(parse_selector(inner)?);
        after = &inner_start[close + 1..];
    }
    let sub = match after {
        "" => None,
        _ => {
            let Some(sub) = after.strip_prefix('.') else {
                return Err(format!(
                    "unexpected '{after}' after the attribute: only '.sub' may follow, e.g. emails[type eq \"work\"].value"
                ));
            };
            if sub.contains(['.', '[', ']']) {
                return Err(format!(
                    "'{after}' goes more than one level deep: a path reads at most attribute[selector].sub, e.g. name.givenName"
                ));
            }
            check_name(sub, "sub-attribute")?;
            Some(sub.to_owned())
        }
    };
    // Attributes a schema defines are stored under their canonical names, so a path may spell
    // them in any case; every other name (Okta's `role`, Entra's `employeeType`) is read
    // exactly as written, as the target app does.
    let known = match &scope {
        PathScope::Top => ResourceKind::User.core_attr(name),
        PathScope::Schema(urn) => ResourceKind::User.attr(Some(urn), name),
        PathScope::AnyExtension => None,
    };
    Ok(AttrRef {
        scope,
        name: known.map_or(name, |def| def.name).to_owned(),
        selector,
        sub,
    })
}

/// Index of the `]` closing a selector whose text starts at `s` (after the `[`).
fn closing_bracket(s: &str) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_quotes {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_quotes = false,
                _ => {}
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == ']' {
            return Some(i);
        }
    }
    None
}

fn parse_selector(inner: &str) -> Result<Selector, String> {
    if inner.is_empty() {
        return Err(
            "the brackets are empty: write an index ([0]), [primary] or a filter ([type eq \"work\"])"
                .into(),
        );
    }
    if inner.chars().all(|c| c.is_ascii_digit()) {
        return inner
            .parse()
            .map(Selector::Index)
            .map_err(|_| format!("the index [{inner}] is too large"));
    }
    if inner.eq_ignore_ascii_case("primary") {
        return Ok(Selector::Primary);
    }
    let mut quirks = Quirks::new(Mode::Tolerant);
    parse_filter(inner, ResourceKind::User, &mut quirks)
        .map(|f| Selector::Filter(f, inner.to_owned()))
        .map_err(|e| {
            format!(
                "the filter in brackets is not valid ({}); write an index ([0]), [primary] or a filter such as [type eq \"work\"]",
                e.detail
            )
        })
}

impl fmt::Display for AttrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scope {
            PathScope::Top => {}
            PathScope::AnyExtension => f.write_str("*:")?,
            PathScope::Schema(urn) => write!(f, "{urn}:")?,
        }
        f.write_str(&self.name)?;
        match &self.selector {
            None => {}
            Some(Selector::Index(n)) => write!(f, "[{n}]")?,
            Some(Selector::Primary) => f.write_str("[primary]")?,
            Some(Selector::Filter(_, text)) => write!(f, "[{text}]")?,
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for SourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attr(a) => a.fmt(f),
            Self::Composite(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" + ")?;
                    }
                    p.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(s: &str) -> AttrRef {
        match SourcePath::parse(s).unwrap() {
            SourcePath::Attr(a) => a,
            other => panic!("expected one attribute, got {other:?}"),
        }
    }

    fn err(s: &str) -> String {
        SourcePath::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn plain_and_sub_attributes() {
        let a = attr("userName");
        assert_eq!(a.scope, PathScope::Top);
        assert_eq!(a.name, "userName");
        assert_eq!((a.selector, a.sub), (None, None));
        let a = attr(" name.formatted ");
        assert_eq!(a.name, "name");
        assert_eq!(a.sub.as_deref(), Some("formatted"));
    }

    #[test]
    fn selectors() {
        let a = attr(r#"emails[type eq "work"].value"#);
        assert_eq!(a.name, "emails");
        assert!(matches!(&a.selector, Some(Selector::Filter(_, t)) if t == r#"type eq "work""#));
        assert_eq!(a.sub.as_deref(), Some("value"));
        assert_eq!(attr("roles[0].value").selector, Some(Selector::Index(0)));
        assert_eq!(
            attr("emails[primary].value").selector,
            Some(Selector::Primary)
        );
        assert_eq!(attr("emails[ PRIMARY ]").selector, Some(Selector::Primary));
        // A quoted ']' does not close the bracket.
        let a = attr(r#"emails[value eq "a]b"].type"#);
        assert_eq!(a.sub.as_deref(), Some("type"));
        // Entra's string boolean in a filter is accepted.
        assert!(matches!(
            attr(r#"roles[primary eq "True"].value"#).selector,
            Some(Selector::Filter(..))
        ));
    }

    #[test]
    fn scopes() {
        let a = attr("*:employeeType");
        assert_eq!(a.scope, PathScope::AnyExtension);
        assert_eq!(a.name, "employeeType");
        let a = attr("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType");
        assert_eq!(
            a.scope,
            PathScope::Schema("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into())
        );
        assert_eq!(a.name, "employeeType");
        let a = attr("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(
            (a.name.as_str(), a.sub.as_deref()),
            ("manager", Some("value"))
        );
        let a = attr("urn:okta:custom:2.0:User:role");
        assert_eq!(
            a.scope,
            PathScope::Schema("urn:okta:custom:2.0:User".into())
        );
        // The core User URN means top level.
        let a = attr("urn:ietf:params:scim:schemas:core:2.0:User:userName");
        assert_eq!((a.scope, a.name.as_str()), (PathScope::Top, "userName"));
        // A ':' inside a filter value does not split the URN.
        let a = attr(r#"urn:x:schemas:ext:2.0:User:phones[value eq "a:b"].type"#);
        assert_eq!(
            a.scope,
            PathScope::Schema("urn:x:schemas:ext:2.0:User".into())
        );
        assert_eq!(a.name, "phones");
    }

    #[test]
    fn composite() {
        let p = SourcePath::parse("name.givenName + name.familyName").unwrap();
        let SourcePath::Composite(parts) = &p else {
            panic!("expected a composite, got {p:?}");
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].sub.as_deref(), Some("familyName"));
        assert_eq!(p.to_string(), "name.givenName + name.familyName");
        // A '+' inside a quoted filter value is not a composite.
        assert!(matches!(
            SourcePath::parse(r#"phoneNumbers[value sw "+44"].value"#).unwrap(),
            SourcePath::Attr(_)
        ));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "userName",
            "name.formatted",
            r#"emails[type eq "work"].value"#,
            "roles[0].value",
            "emails[primary].value",
            "*:employeeType",
            "urn:okta:custom:2.0:User:role",
        ] {
            assert_eq!(SourcePath::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn parse_errors_name_the_expression_and_the_fix() {
        let cases = [
            ("", "it is empty"),
            ("   ", "it is empty"),
            (r#"emails[type eq "work".value"#, "never closed"),
            ("emails].value", "without its '['"),
            ("emails[].value", "brackets are empty"),
            (
                "emails[type zz \"work\"].value",
                "filter in brackets is not valid",
            ),
            ("name.givenName.x", "more than one level deep"),
            ("emails[0]x", "unexpected 'x'"),
            ("urn:*:employeeType", "any extension write *:employeeType"),
            ("*:*", "only allowed as '*:'"),
            ("em ails", "not a valid attribute name"),
            ("1name", "not a valid attribute name"),
            ("ünïcode", "not a valid attribute name"),
            ("name.", "sub-attribute name is missing"),
            ("name.givenName +", "both sides"),
            ("+ name.familyName", "both sides"),
            (
                r#"emails[value eq "x].value"#,
                "quoted value is never closed",
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
                "names a schema",
            ),
            ("roles[99999999999999999999999].value", "too large"),
        ];
        for (input, needle) in cases {
            let msg = err(input);
            assert!(
                msg.contains(&format!("'{input}'")),
                "{input:?}: the message should name the expression: {msg}"
            );
            assert!(
                msg.contains(needle),
                "{input:?}: expected '{needle}' in: {msg}"
            );
        }
    }

    #[test]
    fn builtins_compile_and_match_issue_4() {
        let all = builtin_profiles();
        assert_eq!(
            all.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["entra", "okta", "auto"]
        );
        for p in &all {
            assert!(p.builtin);
            p.compile().unwrap();
        }
        let entra = builtin_profile("entra").unwrap();
        let role = entra
            .fields
            .iter()
            .find(|r| r.field == TargetField::Role)
            .unwrap();
        assert_eq!(
            role.sources,
            [
                "employeeType",
                "*:employeeType",
                "userType",
                "roles[primary eq true].value",
                "roles[0].value"
            ]
        );
        let okta = builtin_profile("okta").unwrap();
        let dn = okta
            .fields
            .iter()
            .find(|r| r.field == TargetField::DisplayName)
            .unwrap();
        assert_eq!(dn.sources[0], "name");
        assert!(builtin_profile("nope").is_none());
    }

    #[test]
    fn profile_round_trips_through_json() {
        let mut p = builtin_profile("okta").unwrap();
        p.id = "my-okta".into();
        p.name = "My Okta".into();
        p.builtin = false;
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains(r#""field":"displayName""#), "{text}");
        assert!(text.contains(r#""builtin":false"#), "{text}");
        let back: MappingProfile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        back.compile().unwrap();
        // An admin's hand-written JSON without `builtin` is accepted.
        let hand: MappingProfile = serde_json::from_str(
            r#"{"id":"x","name":"X","fields":[{"field":"role","sources":["*:employeeType"]}]}"#,
        )
        .unwrap();
        assert!(!hand.builtin);
        assert_eq!(hand.fields[0].field, TargetField::Role);
    }

    #[test]
    fn profile_errors() {
        let mut p = MappingProfile {
            id: "mine".into(),
            name: "Mine".into(),
            builtin: false,
            fields: vec![
                rule(TargetField::UserName, &["userName"]),
                rule(
                    TargetField::Email,
                    &["emails[primary].value", "emails[type eq].value"],
                ),
            ],
        };
        let e = p.compile().unwrap_err();
        assert!(
            matches!(e, ProfileError::BadPath { position: 2, .. }),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("email rule of profile 'mine', source 2"),
            "{msg}"
        );
        assert!(msg.contains("'emails[type eq].value'"), "{msg}");

        p.fields = vec![
            rule(TargetField::Role, &["role"]),
            rule(TargetField::Role, &["roles[0].value"]),
        ];
        assert!(
            p.compile()
                .unwrap_err()
                .to_string()
                .contains("two rules for the role")
        );
        p.fields = vec![rule(TargetField::Role, &[])];
        assert!(matches!(
            p.compile().unwrap_err(),
            ProfileError::NoSources { .. }
        ));
        p.fields = Vec::new();
        p.name = " ".into();
        assert!(matches!(
            p.compile().unwrap_err(),
            ProfileError::EmptyName { .. }
        ));
        p.id = "".into();
        assert_eq!(p.compile().unwrap_err(), ProfileError::EmptyId);
        p.id = "auto".into();
        p.fields = vec![rule(TargetField::Role, &["role"])];
        assert_eq!(p.compile().unwrap_err(), ProfileError::AutoWithRules);
    }

    #[test]
    fn reserved_ids() {
        assert!(is_reserved_profile_id("entra"));
        assert!(is_reserved_profile_id(" Okta "));
        assert!(is_reserved_profile_id("AUTO"));
        assert!(!is_reserved_profile_id("my-okta"));
    }
}
