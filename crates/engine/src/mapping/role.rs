//! Roles: the target app's two roles, how an arrived value becomes one, and the endpoint-wide
//! counts.
//!
//! The vendor guide allows exactly `Member` and `Admin`, case-sensitive; nothing arrived means
//! `Member`. Anything else (`admin`, `Owner`, `""`, a list of two, a JSON object without a
//! `value`) is invalid and the user gets `Member`. Entra's app-role values that arrive as JSON
//! inside a string are unwrapped first and their `value` read.

use super::{FieldStatus, MappingResult, TargetField};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// A role of the target app.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    TS,
    strum::IntoStaticStr,
    strum::EnumString,
)]
pub enum Role {
    /// The default role.
    #[default]
    Member,
    /// The administrator role.
    Admin,
}

impl Role {
    /// The exact spelling the app accepts (`Member`, `Admin`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The role written exactly as the app accepts it (case-sensitive, as strum's derived
    /// parser is); anything else is `None`.
    pub fn parse_exact(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// How deep JSON-in-a-string and `{"value": …}` wrappers are followed.
const MAX_UNWRAP: usize = 4;

/// What a role value that arrived turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RoleReading {
    /// A valid role; the note says how it was read ("unwrapped from json text"), if not plainly.
    Valid(Role, Option<String>),
    /// Not a valid role; the reason, in words.
    Invalid(String),
}

impl RoleReading {
    /// A key to compare two readings for disagreement.
    pub(super) fn key(&self, raw: &Value) -> String {
        match self {
            Self::Valid(r, _) => r.as_str().to_owned(),
            Self::Invalid(_) => raw.to_string(),
        }
    }
}

/// Read a role from a value that arrived (not `null`).
pub(super) fn read_role(raw: &Value) -> RoleReading {
    read_role_at(raw, 0)
}

fn quoted(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn read_role_at(raw: &Value, depth: usize) -> RoleReading {
    let note = |n: &str| Some(n.to_owned());
    if depth > MAX_UNWRAP {
        return RoleReading::Invalid("it is nested too deeply to read a role from".into());
    }
    let unwrap_note = |inner: RoleReading, how: &str| match inner {
        RoleReading::Valid(r, _) => RoleReading::Valid(r, note(how)),
        RoleReading::Invalid(why) => RoleReading::Invalid(why),
    };
    match raw {
        Value::String(s) => {
            if let Some(r) = Role::parse_exact(s) {
                return RoleReading::Valid(r, None);
            }
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('['))
                && let Ok(parsed) = serde_json::from_str::<Value>(s)
            {
                return unwrap_note(
                    read_role_at(&parsed, depth + 1),
                    "unwrapped from json text, as entra sends app roles",
                );
            }
            RoleReading::Invalid(invalid_text_reason(s))
        }
        Value::Object(o) => {
            let value = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("value"))
                .map(|(_, v)| v);
            match value {
                Some(v) if !v.is_null() => match read_role_at(v, depth + 1) {
                    RoleReading::Valid(r, n) => {
                        RoleReading::Valid(r, n.or_else(|| note("read from the object's value")))
                    }
                    invalid => invalid,
                },
                _ => {
                    let label = o
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("displayName"))
                        .and_then(|(_, v)| v.as_str());
                    RoleReading::Invalid(match label {
                        Some(l) => format!(
                            "it is an object without a value (its display name {} is a label, not the role value)",
                            quoted(l)
                        ),
                        None => "it is an object without a value to read the role from".into(),
                    })
                }
            }
        }
        Value::Array(items) => {
            let distinct = distinct(items);
            match distinct.as_slice() {
                [] => RoleReading::Invalid("it is an empty list".into()),
                [one] => unwrap_note(read_role_at(one, depth + 1), "a list with one value"),
                many => RoleReading::Invalid(format!(
                    "it is a list of {} values ({}) and the app takes exactly one role",
                    many.len(),
                    list_values(many)
                )),
            }
        }
        Value::Bool(b) => RoleReading::Invalid(format!("it is {b} (true/false), not a role name")),
        Value::Number(n) => RoleReading::Invalid(format!("it is the number {n}, not a role name")),
        Value::Null => RoleReading::Invalid("it is empty (null)".into()),
    }
}

fn invalid_text_reason(s: &str) -> String {
    if s.is_empty() {
        return "it is an empty text".into();
    }
    let trimmed = s.trim();
    if let Some(r) = Role::parse_exact(trimmed) {
        return format!(
            "{} has extra spaces; the app accepts {} only without them",
            quoted(s),
            r.as_str()
        );
    }
    for r in [Role::Member, Role::Admin] {
        if trimmed.eq_ignore_ascii_case(r.as_str()) {
            return format!(
                "{} is written with different capitals; the app accepts exactly {}",
                quoted(s),
                r.as_str()
            );
        }
    }
    format!(
        "{} is not a role the app knows; it accepts exactly Member or Admin",
        quoted(s)
    )
}

/// The distinct values of a list, first occurrence first.
pub(super) fn distinct(items: &[Value]) -> Vec<&Value> {
    let mut out: Vec<&Value> = Vec::new();
    for v in items {
        if !v.is_null() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Values as short text for explanations: `"Admin", "Member"`.
pub(super) fn list_values(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Users per role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoleCounts {
    /// Users whose effective role is `Member`.
    pub member: u32,
    /// Users whose effective role is `Admin`.
    pub admin: u32,
}

/// Results per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    /// `mapped` results.
    pub mapped: u32,
    /// `defaulted` results.
    pub defaulted: u32,
    /// `missing` results.
    pub missing: u32,
    /// `invalid` results.
    pub invalid: u32,
    /// `ambiguous` results.
    pub ambiguous: u32,
    /// `misnamed` results.
    pub misnamed: u32,
}

impl StatusCounts {
    fn add(&mut self, status: FieldStatus) {
        let slot = match status {
            FieldStatus::Mapped => &mut self.mapped,
            FieldStatus::Defaulted => &mut self.defaulted,
            FieldStatus::Missing => &mut self.missing,
            FieldStatus::Invalid => &mut self.invalid,
            FieldStatus::Ambiguous => &mut self.ambiguous,
            FieldStatus::Misnamed => &mut self.misnamed,
        };
        *slot = slot.saturating_add(1);
    }
}

/// Status counts of one target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldStatusCounts {
    /// The field.
    pub field: TargetField,
    /// Its results per status.
    pub counts: StatusCounts,
}

/// Role and status counts for a whole endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoleSummary {
    /// Users counted.
    pub total: u32,
    /// Users per effective role.
    pub by_role: RoleCounts,
    /// The role field's results per status.
    pub by_status: StatusCounts,
    /// Every field's results per status, in [`TargetField::ALL`] order.
    pub by_field: Vec<FieldStatusCounts>,
}

/// Count roles and statuses over every user's result.
pub fn summarise(results: &[MappingResult]) -> RoleSummary {
    let mut by_role = RoleCounts::default();
    let mut by_field: Vec<FieldStatusCounts> = TargetField::ALL
        .iter()
        .map(|&field| FieldStatusCounts {
            field,
            counts: StatusCounts::default(),
        })
        .collect();
    for r in results {
        let slot = match r.effective_role {
            Role::Member => &mut by_role.member,
            Role::Admin => &mut by_role.admin,
        };
        *slot = slot.saturating_add(1);
        for f in &r.fields {
            if let Some(c) = by_field.iter_mut().find(|c| c.field == f.field) {
                c.counts.add(f.status);
            }
        }
    }
    let by_status = by_field
        .iter()
        .find(|c| c.field == TargetField::Role)
        .map(|c| c.counts)
        .unwrap_or_default();
    RoleSummary {
        total: u32::try_from(results.len()).unwrap_or(u32::MAX),
        by_role,
        by_status,
        by_field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid(v: &Value) -> Role {
        match read_role(v) {
            RoleReading::Valid(r, _) => r,
            RoleReading::Invalid(why) => panic!("{v} should be valid, got: {why}"),
        }
    }

    fn invalid(v: &Value) -> String {
        match read_role(v) {
            RoleReading::Invalid(why) => why,
            RoleReading::Valid(r, _) => panic!("{v} should be invalid, got {r:?}"),
        }
    }

    #[test]
    fn exact_values_are_valid() {
        assert_eq!(valid(&json!("Admin")), Role::Admin);
        assert_eq!(valid(&json!("Member")), Role::Member);
    }

    #[test]
    fn other_values_are_invalid_with_a_reason() {
        assert!(invalid(&json!("admin")).contains("different capitals"));
        assert!(invalid(&json!("MEMBER")).contains("exactly Member"));
        assert!(invalid(&json!("Owner")).contains("\"Owner\" is not a role the app knows"));
        assert!(invalid(&json!("")).contains("empty text"));
        assert!(invalid(&json!(" Admin")).contains("extra spaces"));
        assert!(
            invalid(&json!(["Admin", "Member"]))
                .contains("list of 2 values (\"Admin\", \"Member\")")
        );
        assert!(invalid(&json!([])).contains("empty list"));
        assert!(invalid(&json!(true)).contains("not a role name"));
        assert!(invalid(&json!(1)).contains("number 1"));
        assert!(invalid(&json!({"id": "06b0"})).contains("object without a value"));
        assert!(
            invalid(&json!({"id": "06b0", "displayName": "Administrator"}))
                .contains("display name \"Administrator\" is a label")
        );
    }

    #[test]
    fn json_in_a_string_is_unwrapped_and_its_value_read() {
        let raw = json!("{\"id\":\"06b0\",\"value\":\"Admin\",\"displayName\":\"Administrator\"}");
        match read_role(&raw) {
            RoleReading::Valid(Role::Admin, Some(note)) => assert!(note.contains("json text")),
            other => panic!("{other:?}"),
        }
        // The role value, not its label, decides.
        assert!(
            invalid(&json!(
                "{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"Admin\"}"
            ))
            .contains("\"25\" is not a role")
        );
        assert!(invalid(&json!("{\"id\":\"06b0\"}")).contains("object without a value"));
        // Broken json text is shown as the text it is.
        assert!(invalid(&json!("{not json")).contains("is not a role the app knows"));
        // An element object with its value, and a one-item list.
        assert_eq!(
            valid(&json!({"value": "Admin", "primary": true})),
            Role::Admin
        );
        assert_eq!(valid(&json!(["Member"])), Role::Member);
        assert_eq!(valid(&json!(["Admin", "Admin"])), Role::Admin);
    }

    #[test]
    fn role_serialises_exactly() {
        assert_eq!(serde_json::to_value(Role::Admin).unwrap(), json!("Admin"));
        assert_eq!(serde_json::to_value(Role::Member).unwrap(), json!("Member"));
        assert_eq!(
            serde_json::from_value::<Role>(json!("Admin")).unwrap(),
            Role::Admin
        );
        assert!(serde_json::from_value::<Role>(json!("admin")).is_err());
        assert_eq!(Role::default(), Role::Member);
    }
}
