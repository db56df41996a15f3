//! A fault rule as written in a rules file or sent to the admin API — a match, an action and a
//! budget — with its validation and the parsing of a rules file.
//!
//! Owns what a *valid* rule is, so the file loader, the admin API and the presets refuse the same
//! things with the same words: every refusal is a lowercase message that names the rule (its
//! number in the file and its name), the field and the fix, e.g. `rule 2 ("escrow"):
//! action.status 200 is not an error status: use 400–599`. A rule that validates can be compiled
//! and run by [`super::FaultSet`] without further checks.
//!
//! Unknown fields are refused at every level (`deny_unknown_fields`): a typo in a rules file must
//! not silently turn a fault into "matches everything".

use super::glob::Glob;
use crate::model::{Idp, OperationKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The longest rule name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// The longest `delayMs`: five minutes, longer than Entra ID and Okta wait for an answer.
pub const MAX_DELAY_MS: u64 = 60_000;
/// The longest `retryAfter`, in seconds (a day).
pub const MAX_RETRY_AFTER: u32 = 86_400;
/// The largest `seed`: 2^53 − 1, the largest integer the admin UI's JavaScript numbers hold
/// exactly (a larger seed would come back changed from the UI).
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// The longest `detail`, in characters.
const MAX_DETAIL_CHARS: usize = 1000;

/// The `scimType` values of RFC 7644 §3.12.
const SCIM_TYPES: &[&str] = &[
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
];
/// The methods a SCIM client sends.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
/// What may follow the tenant URL: a path glob whose first segment is a literal must name one.
const ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "ServiceProviderConfig",
    "ServiceProviderConfigs",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
    ".search",
];

/// One fault rule: which requests it matches, what it does to them, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Required, 1 to 80 characters, unique in a set (ignoring case).
    pub name: String,
    /// Which requests the rule applies to; absent or `{}` matches every request.
    #[serde(rename = "match", default)]
    pub r#match: FaultMatch,
    /// What is done to a request the rule fires on.
    pub action: FaultAction,
    /// Fire on the first N matches only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub times: Option<u32>,
    /// Fire on every Nth match (the Nth, 2Nth, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub every: Option<u32>,
    /// Fire on a match with this probability, 0 < p ≤ 1 (drawn from a seeded generator, so a
    /// run repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub probability: Option<f64>,
    /// The seed of the probability's generator (only with `probability`; at most 2^53 − 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub seed: Option<u64>,
    /// A disabled rule neither counts matches nor fires. Default true.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

// serde's `skip_serializing_if` takes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Which requests a rule applies to: every field given must hold (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultMatch {
    /// The IdP the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub idp: Option<Idp>,
    /// What the request is (`create`, `update`, `match-lookup`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub operation: Option<OperationKind>,
    /// The HTTP method, compared ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub method: Option<String>,
    /// A path glob relative to the tenant URL (`/Users/*`); `*` does not cross `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<String>,
    /// A glob on the user's userName (from the body or the stored user), ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user_name: Option<String>,
    /// A glob on the group's displayName (from the body or the stored group), ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub display_name: Option<String>,
}

/// What a firing rule does. `delayMs` waits first; then the request is answered `status`,
/// dropped, answered as strict mode would, or (with only `delayMs`) served normally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultAction {
    /// Answer this status (400–599) with a SCIM error body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub status: Option<u16>,
    /// The error body's `scimType` (RFC 7644 §3.12, e.g. `uniqueness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub scim_type: Option<String>,
    /// The error body's `detail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
    /// A `Retry-After` header, in seconds (with status 429 or 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after: Option<u32>,
    /// Wait this long before answering (alone, or before the other action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub delay_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop: bool,
    /// Do the write and commit it, then answer `status` (the IdP believes it failed).
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_write: bool,
    /// Answer this request as strict mode would, whatever the setting.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
}

/// Why rules were refused. Every message is lowercase, names the rule and the field, and says
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultRuleError {
    /// A rule does not deserialize or does not validate.
    #[error("{}: {message}", rule_label(*rule, name.as_deref()))]
    Invalid {
        /// The rule's number in the file or list, from 1 (`None` for a single rule).
        rule: Option<usize>,
        /// The rule's name, when it has one.
        name: Option<String>,
        /// The offending field as written (`action.status`, `match.userName`, `times`), or ""
        /// when the rule as a whole is wrong.
        field: String,
        /// The message, starting with the field.
        message: String,
    },
    /// The text is not JSON.
    #[error("the fault rules are not valid json: {0}")]
    Json(String),
    /// The JSON is not a list.
    #[error(
        "the fault rules must be a json list of rules ([{{\"name\": …, \"match\": {{…}}, \"action\": {{…}}}}, …]), not {0}"
    )]
    NotAList(&'static str),
    /// Two rules of one list share a name.
    #[error(
        "rule {second} (\"{name}\") has the name of rule {first}: give each rule its own name (names compare ignoring case)"
    )]
    DuplicateName {
        /// The earlier rule's number, from 1.
        first: usize,
        /// The later rule's number, from 1.
        second: usize,
        /// The later rule's name.
        name: String,
    },
    /// A rule added to (or replaced in) a set has the name of another rule there.
    #[error(
        "a rule named \"{0}\" already exists: give this rule another name, or replace that rule"
    )]
    NameTaken(String),
    /// No rule has this id.
    #[error("no fault rule has id {0}: list the rules to see their ids")]
    UnknownId(u64),
}

/// `rule 2 ("escrow")`, `rule "escrow"`, `rule 2` or `the rule`.
fn rule_label(rule: Option<usize>, name: Option<&str>) -> String {
    let name = name.filter(|n| !n.trim().is_empty()).map(|n| {
        if n.chars().count() > MAX_NAME_CHARS {
            let cut: String = n.chars().take(MAX_NAME_CHARS).collect();
            format!("\"{cut}…\"")
        } else {
            format!("\"{n}\"")
        }
    });
    match (rule, name) {
        (Some(i), Some(n)) => format!("rule {i} ({n})"),
        (Some(i), None) => format!("rule {i}"),
        (None, Some(n)) => format!("rule {n}"),
        (None, None) => "the rule".to_owned(),
    }
}

/// A problem found in one rule: the field and the message (which starts with the field).
type Problem = (String, String);

fn problem(field: &str, message: String) -> Result<(), Problem> {
    Err((field.to_owned(), message))
}

/// Operations that write nothing: `afterWrite` has no write to commit there.
fn writes_nothing(op: OperationKind) -> bool {
    matches!(
        op,
        OperationKind::ConnectionProbe
            | OperationKind::MatchLookup
            | OperationKind::Read
            | OperationKind::ImportPage
            | OperationKind::Search
            | OperationKind::Discovery
    )
}

fn is_group_operation(op: OperationKind) -> bool {
    matches!(
        op,
        OperationKind::GroupCreate
            | OperationKind::GroupUpdate
            | OperationKind::GroupMembership
            | OperationKind::GroupDelete
    )
}

fn is_user_write(op: OperationKind) -> bool {
    matches!(
        op,
        OperationKind::Create
            | OperationKind::Update
            | OperationKind::Deactivate
            | OperationKind::Reactivate
            | OperationKind::Delete
    )
}

impl FaultMatch {
    fn check(&self) -> Result<(), Problem> {
        if let Some(m) = &self.method
            && !METHODS.iter().any(|k| k.eq_ignore_ascii_case(m))
        {
            return problem(
                "match.method",
                format!(
                    "match.method '{m}' is not a method scim clients send: use GET, POST, PUT, PATCH or DELETE"
                ),
            );
        }
        if let Some(p) = &self.path {
            if let Err(e) = Glob::path(p) {
                return problem("match.path", format!("match.path {e}"));
            }
            let first = p[1..].split('/').next().unwrap_or("");
            if !first.contains(['*', '?']) && !ENDPOINTS.contains(&first) {
                return problem(
                    "match.path",
                    format!(
                        "match.path '{p}' does not start with a scim endpoint: paths are relative to the tenant url (without /scim/v2), e.g. /Users/* or /Groups/*"
                    ),
                );
            }
        }
        for (field, glob) in [
            ("match.userName", &self.user_name),
            ("match.displayName", &self.display_name),
        ] {
            if let Some(g) = glob
                && let Err(e) = Glob::name(g)
            {
                return problem(field, format!("{field} {e}"));
            }
        }
        if self.user_name.is_some() && self.display_name.is_some() {
            return problem(
                "match.displayName",
                "match.userName and match.displayName cannot both be set: a request is about a user or a group, so the rule would never fire; keep one".to_owned(),
            );
        }
        if let Some(op) = self.operation {
            if op == OperationKind::Rejected {
                return problem(
                    "match.operation",
                    "match.operation 'rejected' is only known once the request was refused, so a fault cannot match it: match the method and path instead".to_owned(),
                );
            }
            if self.user_name.is_some() && is_group_operation(op) {
                return problem(
                    "match.userName",
                    format!(
                        "match.userName never matches a group operation ('{}'): use match.displayName for groups",
                        op.as_str()
                    ),
                );
            }
            if self.display_name.is_some() && is_user_write(op) {
                return problem(
                    "match.displayName",
                    format!(
                        "match.displayName never matches a user operation ('{}'): use match.userName for users",
                        op.as_str()
                    ),
                );
            }
        }
        Ok(())
    }
}

impl FaultAction {
    fn check(&self, on: &FaultMatch) -> Result<(), Problem> {
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return problem(
                "action.status",
                format!("action.status {s} is not an error status: use 400–599"),
            );
        }
        if self.drop {
            let other = if self.status.is_some() {
                Some("action.status")
            } else if self.after_write {
                Some("action.afterWrite")
            } else if self.strict {
                Some("action.strict")
            } else {
                None
            };
            if let Some(other) = other {
                return problem(
                    "action.drop",
                    format!(
                        "action.drop closes the connection without an answer, so it cannot be combined with {other}: keep one of them"
                    ),
                );
            }
        }
        if self.strict && (self.status.is_some() || self.after_write) {
            let other = if self.status.is_some() {
                "action.status"
            } else {
                "action.afterWrite"
            };
            return problem(
                "action.strict",
                format!(
                    "action.strict answers as strict mode would, so it cannot be combined with {other}: keep one of them"
                ),
            );
        }
        if self.after_write && self.status.is_none() {
            return problem(
                "action.afterWrite",
                "action.afterWrite needs action.status: the status answered once the write is committed, e.g. 500".to_owned(),
            );
        }
        let needs_status = |field: &str| {
            problem(
                field,
                format!(
                    "{field} needs action.status: it is part of the error answer, e.g. \"status\": 500"
                ),
            )
        };
        if let Some(t) = &self.scim_type {
            if self.status.is_none() {
                return needs_status("action.scimType");
            }
            if !SCIM_TYPES.contains(&t.as_str()) {
                return problem(
                    "action.scimType",
                    format!(
                        "action.scimType '{t}' is not a scim error type: use one of {}",
                        SCIM_TYPES.join(", ")
                    ),
                );
            }
        }
        if let Some(d) = &self.detail {
            if self.status.is_none() {
                return needs_status("action.detail");
            }
            if d.trim().is_empty() {
                return problem(
                    "action.detail",
                    "action.detail is empty: say what failed, or remove it".to_owned(),
                );
            }
            if d.chars().count() > MAX_DETAIL_CHARS {
                return problem(
                    "action.detail",
                    format!(
                        "action.detail is longer than {MAX_DETAIL_CHARS} characters: shorten it"
                    ),
                );
            }
        }
        if let Some(r) = self.retry_after {
            if !matches!(self.status, Some(429 | 503)) {
                return problem(
                    "action.retryAfter",
                    "action.retryAfter needs action.status 429 or 503: Retry-After means nothing on other answers".to_owned(),
                );
            }
            if r == 0 {
                return problem(
                    "action.retryAfter",
                    "action.retryAfter 0 asks for no wait: use at least 1 second, or remove it"
                        .to_owned(),
                );
            }
            if r > MAX_RETRY_AFTER {
                return problem(
                    "action.retryAfter",
                    format!(
                        "action.retryAfter {r} is over {MAX_RETRY_AFTER} seconds (a day): use a shorter wait"
                    ),
                );
            }
        }
        if let Some(d) = self.delay_ms {
            if d == 0 {
                return problem(
                    "action.delayMs",
                    "action.delayMs 0 waits for nothing: use at least 1, or remove it".to_owned(),
                );
            }
            if d > MAX_DELAY_MS {
                return problem(
                    "action.delayMs",
                    format!(
                        "action.delayMs {d} is over {MAX_DELAY_MS} (60 s, as long as okta waits; connections idle longer are closed): use a shorter delay, or action.drop for no answer"
                    ),
                );
            }
        }
        if self.status.is_none() && self.delay_ms.is_none() && !self.drop && !self.strict {
            return problem(
                "action",
                "action does nothing: set status, delayMs, drop or strict".to_owned(),
            );
        }
        if self.after_write {
            if let Some(op) = on.operation.filter(|op| writes_nothing(*op)) {
                return problem(
                    "action.afterWrite",
                    format!(
                        "action.afterWrite needs a request that writes, and match.operation '{}' writes nothing: match a create, update, deactivation or delete",
                        op.as_str()
                    ),
                );
            }
            if on
                .method
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
            {
                return problem(
                    "action.afterWrite",
                    "action.afterWrite needs a request that writes, and match.method GET writes nothing: match POST, PUT, PATCH or DELETE".to_owned(),
                );
            }
        }
        Ok(())
    }
}

impl FaultRule {
    /// Check the rule on its own (the admin API's one rule): the name, the match's globs and
    /// fields, the action's coherence and the budget.
    pub fn validate(&self) -> Result<(), FaultRuleError> {
        self.check().map_err(|p| self.invalid(None, p))
    }

    /// Read one rule from JSON (an admin API body), then validate it. Unknown fields, at any
    /// level, are refused naming the field.
    pub fn from_value(value: Value) -> Result<Self, FaultRuleError> {
        let rule = from_value(None, value)?;
        rule.validate()?;
        Ok(rule)
    }

    fn invalid(&self, index: Option<usize>, (field, message): Problem) -> FaultRuleError {
        FaultRuleError::Invalid {
            rule: index,
            name: Some(self.name.clone()),
            field,
            message,
        }
    }

    fn check(&self) -> Result<(), Problem> {
        if self.name.trim().is_empty() {
            return problem(
                "name",
                "name is empty: give the rule a name, e.g. \"throttle\"".to_owned(),
            );
        }
        let chars = self.name.chars().count();
        if chars > MAX_NAME_CHARS {
            return problem(
                "name",
                format!("name is {chars} characters long: use at most {MAX_NAME_CHARS}"),
            );
        }
        self.r#match.check()?;
        self.action.check(&self.r#match)?;
        if self.times == Some(0) {
            return problem(
                "times",
                "times 0 never fires: use at least 1, or remove times to fire on every match"
                    .to_owned(),
            );
        }
        if self.every == Some(0) {
            return problem(
                "every",
                "every 0 is not a period: use 1 or more (every 10 fires on the 10th, 20th, … match)"
                    .to_owned(),
            );
        }
        if let Some(p) = self.probability
            && !(p > 0.0 && p <= 1.0)
        {
            return problem(
                "probability",
                format!(
                    "probability {p} is outside (0, 1]: use e.g. 0.2 to fire on about one match in five"
                ),
            );
        }
        if let Some(s) = self.seed {
            if self.probability.is_none() {
                return problem(
                    "seed",
                    "seed without probability does nothing: add probability, or remove seed"
                        .to_owned(),
                );
            }
            if s > MAX_SEED {
                return problem(
                    "seed",
                    format!(
                        "seed {s} is over {MAX_SEED} (2^53 − 1), the largest the admin ui holds exactly: use a smaller seed"
                    ),
                );
            }
        }
        Ok(())
    }
}

/// The field a serde message names (`unknown field `x``, `missing field `x``), if any.
fn named_field(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split('`').next()
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Deserialize one rule, saying where a serde error is: in `match`, in `action`, or at the top.
fn from_value(index: Option<usize>, value: Value) -> Result<FaultRule, FaultRuleError> {
    let name = value.get("name").and_then(Value::as_str).map(str::to_owned);
    let invalid = |field: String, message: String| FaultRuleError::Invalid {
        rule: index,
        name: name.clone(),
        field,
        message,
    };
    if !value.is_object() {
        return Err(invalid(
            String::new(),
            format!(
                "expected an object {{\"name\": …, \"match\": {{…}}, \"action\": {{…}}}}, got {}",
                json_kind(&value)
            ),
        ));
    }
    serde_path_to_error::deserialize::<_, FaultRule>(value).map_err(|e| {
        let path = e.path().to_string();
        let path = path.trim_start_matches('.');
        let inner = e.inner().to_string();
        // The field: serde_path_to_error's path (it names an unknown field itself), or the
        // missing one.
        let field = match named_field(&inner) {
            Some(f) if !inner.starts_with("unknown field") => f.to_owned(),
            _ => path.to_owned(),
        };
        // Said before the message: where it is (an unknown field: the object holding it).
        let place = if inner.starts_with("unknown field") {
            field
                .rsplit_once('.')
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default()
        } else if inner.starts_with("missing field") {
            String::new()
        } else {
            field.clone()
        };
        let hint = (!inner.starts_with("unknown field"))
            .then(|| field_hint(field.rsplit('.').next().unwrap_or(&field)))
            .flatten();
        let mut message = if place.is_empty() {
            inner
        } else {
            format!("{place}: {inner}")
        };
        if let Some(h) = hint {
            message = format!("{message}: {h}");
        }
        invalid(field, message)
    })
}

/// What a field takes, said after a type error.
fn field_hint(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "give a name, e.g. \"throttle\"",
        "status" => "give a number from 400 to 599, e.g. 429",
        "retryAfter" => "give whole seconds, e.g. 2",
        "delayMs" => "give whole milliseconds, e.g. 800",
        "times" | "every" => "give a whole number from 1",
        "probability" => "give a number above 0 and at most 1, e.g. 0.2",
        "seed" => "give a whole number, e.g. 7",
        "idp" => "use entra, okta or other",
        "operation" => "use an operation kind such as create, update, deactivate or match-lookup",
        "method" => "give an http method, e.g. \"GET\"",
        "path" | "userName" | "displayName" => "give a glob string, e.g. \"/Users/*\" or \"thr-*\"",
        "scimType" | "detail" => "give a string",
        "drop" | "afterWrite" | "strict" | "enabled" => "use true or false",
        "match" | "action" => "give an object",
        _ => return None,
    })
}

/// Validate a list of rules as one set: each rule (labelled with its number from 1), and names
/// unique ignoring case.
pub fn validate_rules(rules: &[FaultRule]) -> Result<(), FaultRuleError> {
    for (i, rule) in rules.iter().enumerate() {
        rule.check().map_err(|p| rule.invalid(Some(i + 1), p))?;
        if let Some(first) = rules[..i]
            .iter()
            .position(|r| same_name(&r.name, &rule.name))
        {
            return Err(FaultRuleError::DuplicateName {
                first: first + 1,
                second: i + 1,
                name: rule.name.clone(),
            });
        }
    }
    Ok(())
}

/// Whether two rule names are the same name (ignoring case and surrounding spaces).
pub(super) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Parse and validate a rules file: a JSON list of rules. The first problem is returned, naming
/// the rule by its number (from 1) and name.
pub fn parse_rules(json: &str) -> Result<Vec<FaultRule>, FaultRuleError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| FaultRuleError::Json(e.to_string()))?;
    let Value::Array(items) = value else {
        return Err(FaultRuleError::NotAList(json_kind(&value)));
    };
    let rules = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| from_value(Some(i + 1), item))
        .collect::<Result<Vec<_>, _>>()?;
    validate_rules(&rules)?;
    Ok(rules)
}
