//! Verdicts: whether one answer meets what the simulated IdP expects, and why not, in words.
//!
//! Pure functions over a status and a parsed body, so every rule is unit-tested below. Each
//! expectation cites the IdP behaviour it stands for (`shared/reference/idp-traffic.md`): a
//! failure explains what was expected, what came back (with the endpoint's own `detail` when it
//! sent a SCIM error) and what the real IdP does about it.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// The outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The answer is what the IdP expects.
    Pass,
    /// The answer is not what the IdP expects (see the explanation).
    Fail,
    /// Not sent: an earlier step this one depends on failed.
    Skipped,
}

impl Verdict {
    /// `pass`, `FAIL`, `skipped` (upper case draws the eye in the table).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Skipped => "skipped",
        }
    }
}

/// Which IdP is judging (they differ on a few answers, e.g. 404 for "no match").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    /// Microsoft Entra ID.
    Entra,
    /// Okta.
    Okta,
}

impl Judge {
    fn name(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::Okta => "okta",
        }
    }
}

/// What the IdP expects back from one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// A connection probe for something that does not exist: `200` with an empty ListResponse
    /// (Entra's Test Connection; a 404 fails it).
    EmptyList,
    /// A list call (Okta's `count=2` connector test, an import page): `200` with a
    /// ListResponse whose numbers are integers.
    List,
    /// A list call on an endpoint the app may not have (Okta's `/Groups` connector test, the
    /// first group import page): like [`Expect::List`], but a `404` or `501` passes with
    /// `absent` as the note (the app has no such endpoint; the IdP skips what needs it).
    OptionalList {
        /// The note on a `404` / `501`.
        absent: &'static str,
    },
    /// A match lookup `<attr> eq "<value>"`: `200` with a ListResponse of zero or one resource
    /// whose `attr` equals `value` (Okta also takes `404` as no match).
    Lookup {
        /// The attribute filtered on (`userName`, `displayName`).
        attr: &'static str,
        /// The value looked up.
        value: String,
    },
    /// A create: `201` with the resource, including its `id`.
    Create,
    /// A create of something that exists: `409` (Okta stops the job on it).
    Conflict,
    /// A single read: `200` with the resource whose `id` is this.
    Read {
        /// The id asked for.
        id: String,
    },
    /// A group read with `excludedAttributes=members`: `200`, without members.
    ReadWithoutMembers {
        /// The id asked for.
        id: String,
    },
    /// A user PATCH/PUT: `200` (also `204` for a PATCH); when the body holds the user, its
    /// `active` must be the one sent.
    UserWrite {
        /// The `active` the write set, if it set one.
        active: Option<bool>,
        /// Whether `204 No Content` is fine (PATCH: yes; PUT: Okta wants the object back).
        allow_no_content: bool,
    },
    /// A group PATCH/PUT: `204`, or `200` with the group.
    GroupWrite,
    /// A delete: `204` (any `2xx` is taken).
    Delete,
    /// Any `2xx` (a discovery request, or a replayed request whose original answer was a fault
    /// rule's).
    Success,
    /// A replayed request ScimLab answered with an error (or not at all): the target should
    /// answer in the same status class (`4`, `5`; `0` for no answer, where any error is taken).
    SameOutcome {
        /// What ScimLab answered.
        original: u16,
    },
}

impl Expect {
    /// What is expected, in a few words (the table's hint and the start of a failure).
    pub fn describe(&self) -> String {
        match self {
            Self::EmptyList => "200 with an empty ListResponse".into(),
            Self::List => "200 with a ListResponse".into(),
            Self::OptionalList { .. } => {
                "200 with a ListResponse (or 404/501: no such endpoint)".into()
            }
            Self::Lookup { .. } => "200 with a ListResponse of 0 or 1 match".into(),
            Self::SameOutcome { original: 0 } => "an error, as ScimLab gave no answer".into(),
            Self::SameOutcome { original } => {
                format!("{}xx, as ScimLab answered ({original})", original / 100)
            }
            Self::Create => "201 with the created resource and its id".into(),
            Self::Conflict => "409 conflict (uniqueness)".into(),
            Self::Read { .. } => "200 with the resource".into(),
            Self::ReadWithoutMembers { .. } => "200 with the group, without members".into(),
            Self::UserWrite {
                allow_no_content: true,
                ..
            } => "200 with the user (or 204)".into(),
            Self::UserWrite { .. } => "200 with the user".into(),
            Self::GroupWrite => "204 (or 200 with the group)".into(),
            Self::Delete => "204 no content".into(),
            Self::Success => "a 2xx answer".into(),
        }
    }
}

/// One answer, as the runner saw it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// Status code.
    pub status: u16,
    /// The body parsed as JSON (`None` when empty or not JSON).
    pub json: Option<&'a Value>,
    /// The raw body text (for quoting when it is not JSON).
    pub text: &'a str,
    /// The response `Content-Type`, if any.
    pub content_type: Option<&'a str>,
}

/// A verdict with its explanation (always set on a failure; a note on some passes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Pass or fail.
    pub verdict: Verdict,
    /// Why it failed, or a note worth knowing on a pass (e.g. Okta took a 404 as no match).
    pub explanation: Option<String>,
}

impl Judgement {
    fn pass() -> Self {
        Self {
            verdict: Verdict::Pass,
            explanation: None,
        }
    }
    fn pass_with(note: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Pass,
            explanation: Some(note.into()),
        }
    }
    fn fail(why: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Fail,
            explanation: Some(why.into()),
        }
    }
    fn note(mut self, extra: Option<String>) -> Self {
        if let Some(extra) = extra {
            self.explanation = Some(match self.explanation {
                Some(e) => format!("{e}; {extra}"),
                None => extra,
            });
        }
        self
    }
}

/// What the lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Nothing: the IdP creates.
    Nothing,
    /// One resource (its id and body): the IdP matches and updates it.
    One(String, Value),
}

/// Longest quoted body or detail.
const MAX_QUOTE: usize = 200;

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_QUOTE {
        return s.to_owned();
    }
    let cut: String = s.chars().take(MAX_QUOTE).collect();
    format!("{cut}…")
}

/// What the endpoint said about an error: the SCIM `detail` (and `scimType`), SCIM 1.1's
/// `Errors[0].description`, or the start of the body.
pub fn endpoint_said(a: &Answer<'_>) -> Option<String> {
    if let Some(v) = a.json {
        let detail = v.get("detail").and_then(Value::as_str).or_else(|| {
            v.get("Errors")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("description"))
                .and_then(Value::as_str)
        });
        if let Some(d) = detail {
            let scim_type = v.get("scimType").and_then(Value::as_str);
            return Some(match scim_type {
                Some(t) => format!("{t}: {}", shorten(d)),
                None => shorten(d),
            });
        }
    }
    let t = a.text.trim();
    (!t.is_empty()).then(|| shorten(t))
}

fn said_suffix(a: &Answer<'_>) -> String {
    endpoint_said(a).map_or_else(String::new, |s| format!(" (the endpoint said: {s})"))
}

/// The usual explanation for a status that is not the expected one.
fn unexpected_status(judge: Judge, expect: &Expect, a: &Answer<'_>, hint: Option<&str>) -> String {
    let idp = judge.name();
    let said = said_suffix(a);
    let wanted = expect.describe();
    let consequence = match a.status {
        401 | 403 => format!(
            "the token was refused: check --token; {idp} would stop provisioning (entra quarantines the job after repeated failures)"
        ),
        404 => format!(
            "{idp} cannot find the resource or the route: check the base url (it must end with the scim root, e.g. /scim/v2)"
        ),
        409 => format!(
            "{idp} reports a conflict for this user and retries it later: the endpoint already holds a resource the match lookup did not find"
        ),
        429 => "still throttled after the retries the simulator allows (see --max-retries, --max-retry-wait)".into(),
        s if s >= 500 => match judge {
            Judge::Entra => "entra puts the user in escrow and retries it on later cycles with back-off".into(),
            Judge::Okta => "okta fails the task and raises an alert for the admin".into(),
        },
        _ => match judge {
            Judge::Entra => "entra logs the request as failed (SystemForCrossDomainIdentityManagementBadRequest) and retries it on later cycles".into(),
            Judge::Okta => "okta fails the task and shows the error to the admin".into(),
        },
    };
    let mut out = format!("expected {wanted}, got {}{said}: {consequence}", a.status);
    if let Some(h) = hint.filter(|_| (400..500).contains(&a.status)) {
        out.push_str(&format!(" — {h}"));
    }
    out
}

fn as_integer(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// Check a ListResponse: numbers are JSON integers (Okta requires it), `totalResults` is
/// present, `Resources` is an array when there are results. Returns the resources.
fn list_resources(judge: Judge, v: &Value) -> Result<(u64, Vec<&Value>), String> {
    if !v.is_object() {
        return Err("the body is not a json object (a ListResponse was expected)".into());
    }
    for field in ["totalResults", "startIndex", "itemsPerPage"] {
        match v.get(field) {
            None if field == "totalResults" => {
                return Err(
                    "the ListResponse has no totalResults (rfc 7644 §3.4.2 requires it)".into(),
                );
            }
            Some(x) if as_integer(x).is_none() && !x.is_null() => {
                return Err(format!(
                    "{field} is {x}, not an integer: {} requires JSON integers for totalResults, startIndex and itemsPerPage",
                    if judge == Judge::Okta { "okta" } else { "scim" }
                ));
            }
            _ => {}
        }
    }
    let total = v.get("totalResults").and_then(as_integer).unwrap_or(0);
    let resources: Vec<&Value> = match v.get("Resources") {
        Some(Value::Array(a)) => a.iter().collect(),
        None | Some(Value::Null) if total == 0 => Vec::new(),
        None | Some(Value::Null) => {
            return Err(format!(
                "totalResults is {total} but there is no Resources array"
            ));
        }
        Some(other) => return Err(format!("Resources is {other}, not an array")),
    };
    Ok((total, resources))
}

fn content_type_note(judge: Judge, a: &Answer<'_>) -> Option<String> {
    let ct = a.content_type.unwrap_or("").to_ascii_lowercase();
    if judge == Judge::Entra && a.json.is_some() && !ct.starts_with("application/scim+json") {
        Some(format!(
            "content-type is '{}', entra's documentation asks for application/scim+json",
            a.content_type.unwrap_or("")
        ))
    } else {
        None
    }
}

/// Judge one answer against `expect`. `hint` is what to say when a `4xx` is probably caused by
/// a known quirk of the request (e.g. "this request sends active as the string \"False\"").
pub fn judge(judge: Judge, expect: &Expect, a: &Answer<'_>, hint: Option<&str>) -> Judgement {
    let ct = content_type_note(judge, a);
    let j = match expect {
        Expect::EmptyList => judge_empty_list(judge, expect, a, hint),
        Expect::OptionalList { absent } if matches!(a.status, 404 | 501) => {
            Judgement::pass_with(format!("{absent} (got {})", a.status))
        }
        Expect::List | Expect::OptionalList { .. } => match (a.status, a.json) {
            (200, Some(v)) => match list_resources(judge, v) {
                Ok(_) => Judgement::pass(),
                Err(e) => Judgement::fail(e),
            },
            (200, None) => Judgement::fail(format!(
                "200 but the body is not json{}: a ListResponse was expected",
                said_suffix(a)
            )),
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::Lookup { attr, value } => match judge_lookup(judge, expect, a, hint, attr, value) {
            Ok((j, _)) => j,
            Err(j) => j,
        },
        Expect::SameOutcome { original } => {
            let same = if *original == 0 {
                a.status >= 400
            } else {
                a.status / 100 == original / 100
            };
            if same {
                Judgement::pass_with(format!(
                    "the target answered {} where ScimLab answered {}",
                    a.status,
                    if *original == 0 {
                        "nothing".to_owned()
                    } else {
                        original.to_string()
                    }
                ))
            } else {
                Judgement::fail(format!(
                    "ScimLab answered {}, the target {}{}: the idp will not see the same outcome",
                    if *original == 0 {
                        "nothing".to_owned()
                    } else {
                        original.to_string()
                    },
                    a.status,
                    said_suffix(a)
                ))
            }
        }
        Expect::Create => judge_create(judge, expect, a, hint),
        Expect::Conflict => match a.status {
            409 => Judgement::pass(),
            s if (200..300).contains(&s) => Judgement::fail(format!(
                "{s}: a second create with the same userName was accepted; okta requires 409 (uniqueness) so the job stops instead of creating a duplicate"
            )),
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::Read { id } => match (a.status, a.json) {
            (200, Some(v)) => match v.get("id").and_then(Value::as_str) {
                Some(got) if got == id => Judgement::pass(),
                Some(got) => Judgement::fail(format!(
                    "200 but the resource has id '{got}', not the '{id}' asked for"
                )),
                None => Judgement::fail("200 but the body has no \"id\""),
            },
            (200, None) => {
                Judgement::fail("200 but the body is not json: the resource was expected")
            }
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::ReadWithoutMembers { id } => match (a.status, a.json) {
            (200, Some(v)) => {
                let members = v
                    .get("members")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if v.get("id").and_then(Value::as_str) != Some(id.as_str()) {
                    Judgement::fail(format!("200 but the group's id is not '{id}'"))
                } else if members > 0 {
                    Judgement::fail(format!(
                        "excludedAttributes=members was ignored: the group came back with {members} members; entra reads every group this way and large groups then time out"
                    ))
                } else {
                    Judgement::pass()
                }
            }
            (200, None) => Judgement::fail("200 but the body is not json: the group was expected"),
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::UserWrite {
            active,
            allow_no_content,
        } => match a.status {
            204 if *allow_no_content => Judgement::pass(),
            204 => Judgement::fail(
                "204 without the user: okta expects 200 with the updated user after a PUT",
            ),
            200 => match (a.json, active) {
                (Some(v), Some(want)) => match v.get("active") {
                    Some(Value::Bool(got)) if got != want => Judgement::fail(format!(
                        "200 but the user came back with active {got} after the write set it to {want}"
                    )),
                    Some(Value::String(s)) => Judgement::fail(format!(
                        "200 but 'active' came back as the string \"{s}\", not a json boolean: the app stored what the idp sent instead of a boolean (entra sends \"False\"; okta re-reads and compares booleans)"
                    )),
                    Some(other) if !other.is_boolean() && !other.is_null() => Judgement::fail(
                        format!("200 but 'active' came back as {other}, not a json boolean"),
                    ),
                    _ => Judgement::pass(),
                },
                (None, _) if !a.text.trim().is_empty() => {
                    Judgement::fail("200 but the body is not json: the user was expected")
                }
                _ => Judgement::pass(),
            },
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::GroupWrite => match a.status {
            204 | 200 => Judgement::pass(),
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::Success => match a.status {
            s if (200..300).contains(&s) => Judgement::pass(),
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
        Expect::Delete => match a.status {
            204 => Judgement::pass(),
            s if (200..300).contains(&s) => {
                Judgement::pass_with(format!("{s} instead of 204; entra takes any 2xx"))
            }
            _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
        },
    };
    if j.verdict == Verdict::Pass {
        j.note(ct)
    } else {
        j
    }
}

fn judge_empty_list(
    judge: Judge,
    expect: &Expect,
    a: &Answer<'_>,
    hint: Option<&str>,
) -> Judgement {
    match (a.status, a.json) {
        (404, _) => Judgement::fail(format!(
            "404 for a filter that matches nothing{}: {} expects 200 with an empty ListResponse (totalResults 0), so its test connection fails",
            said_suffix(a),
            judge.name()
        )),
        (200, Some(v)) => match list_resources(judge, v) {
            Ok((0, r)) if r.is_empty() => Judgement::pass(),
            Ok((total, r)) => Judgement::fail(format!(
                "the probe for a random guid found {} (totalResults {total}): the filter was ignored or matched wrongly, so every lookup would match the wrong user",
                r.len()
            )),
            Err(e) => Judgement::fail(e),
        },
        (200, None) => Judgement::fail(format!(
            "200 but the body is not json{}: an empty ListResponse was expected",
            said_suffix(a)
        )),
        _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
    }
}

/// Judge a lookup and say what it found (`Err` carries the failing judgement).
pub fn judge_lookup(
    judge: Judge,
    expect: &Expect,
    a: &Answer<'_>,
    hint: Option<&str>,
    attr: &str,
    value: &str,
) -> Result<(Judgement, Found), Judgement> {
    match (a.status, a.json) {
        (404, _) if judge == Judge::Okta => Ok((
            Judgement::pass_with("404 taken as no match (okta accepts it; entra would fail here)"),
            Found::Nothing,
        )),
        (404, _) => Err(Judgement::fail(format!(
            "404 for a lookup that matches nothing{}: entra expects 200 with an empty ListResponse; a 404 fails the match and the user is never provisioned",
            said_suffix(a)
        ))),
        (200, Some(v)) => {
            let (_, resources) = list_resources(judge, v).map_err(Judgement::fail)?;
            let wrong = resources.iter().find(|r| {
                !r.get(attr)
                    .and_then(Value::as_str)
                    .is_some_and(|got| got.eq_ignore_ascii_case(value))
            });
            if let Some(w) = wrong {
                let got = w
                    .get(attr)
                    .map_or_else(|| "nothing".to_owned(), Value::to_string);
                return Err(Judgement::fail(format!(
                    "the filter {attr} eq \"{value}\" returned a resource whose {attr} is {got}: the filter was ignored or evaluated wrongly, so the idp would match the wrong resource"
                )));
            }
            match resources.as_slice() {
                [] => Ok((Judgement::pass(), Found::Nothing)),
                [one] => match one.get("id").and_then(Value::as_str) {
                    Some(id) => Ok((
                        Judgement::pass_with(
                            "matched an existing resource: it is updated instead of created",
                        ),
                        Found::One(id.to_owned(), (*one).clone()),
                    )),
                    None => Err(Judgement::fail(
                        "the match has no \"id\": the idp cannot address it later",
                    )),
                },
                many => Err(Judgement::fail(format!(
                    "{} resources match {attr} eq \"{value}\": {} logs DuplicateTargetEntries and skips it",
                    many.len(),
                    judge.name()
                ))),
            }
        }
        (200, None) => Err(Judgement::fail(format!(
            "200 but the body is not json{}: a ListResponse was expected",
            said_suffix(a)
        ))),
        _ => Err(Judgement::fail(unexpected_status(judge, expect, a, hint))),
    }
}

fn judge_create(judge: Judge, expect: &Expect, a: &Answer<'_>, hint: Option<&str>) -> Judgement {
    let missing_id = match judge {
        Judge::Okta => "okta needs the server's id to address the user later",
        Judge::Entra => "entra caches the server's id and uses it for every later PATCH and DELETE",
    };
    match (a.status, a.json) {
        (201, Some(v)) => match v.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Judgement::pass(),
            Some(other) => Judgement::fail(format!(
                "201 but \"id\" is {other}, not a non-empty string: {missing_id}"
            )),
            None => Judgement::fail(format!(
                "201 but the created resource has no \"id\": {missing_id}"
            )),
        },
        (201, None) if a.text.trim().is_empty() => Judgement::fail(match judge {
            Judge::Okta => "201 with an empty body: okta reports \"create new user returned empty user\"; return the created user with its id".to_owned(),
            Judge::Entra => format!("201 with an empty body: {missing_id}"),
        }),
        (201, None) => Judgement::fail(format!(
            "201 but the body is not json ('{}'): {missing_id}",
            shorten(a.text)
        )),
        (200, _) => Judgement::fail(format!(
            "200 instead of 201 created: {} expects 201 with the new resource",
            judge.name()
        )),
        _ => Judgement::fail(unexpected_status(judge, expect, a, hint)),
    }
}

/// The id in a created or read resource.
pub fn resource_id(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, v: &Value) -> Answer<'_> {
        Answer {
            status,
            json: Some(v),
            text: "{}",
            content_type: Some("application/scim+json"),
        }
    }

    fn empty_list() -> Value {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": [], "startIndex": 1, "itemsPerPage": 0})
    }

    #[test]
    fn entra_probe_wants_200_and_an_empty_list_not_404() {
        let ok = judge(
            Judge::Entra,
            &Expect::EmptyList,
            &answer(200, &empty_list()),
            None,
        );
        assert_eq!(ok, Judgement::pass());
        let err = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "user not found"});
        let j = judge(Judge::Entra, &Expect::EmptyList, &answer(404, &err), None);
        assert_eq!(j.verdict, Verdict::Fail);
        let why = j.explanation.unwrap();
        assert!(
            why.starts_with("404 for a filter that matches nothing"),
            "{why}"
        );
        assert!(why.contains("user not found"), "{why}");
        assert!(why.contains("test connection fails"), "{why}");
    }

    #[test]
    fn string_numbers_in_a_list_response_fail_with_the_field_named() {
        let v = json!({"totalResults": "0", "Resources": []});
        let j = judge(Judge::Okta, &Expect::List, &answer(200, &v), None);
        let why = j.explanation.unwrap();
        assert!(
            why.contains("totalResults is \"0\", not an integer"),
            "{why}"
        );
        assert!(why.contains("okta requires"), "{why}");
        let v = json!({"totalResults": 2});
        let j = judge(Judge::Okta, &Expect::List, &answer(200, &v), None);
        assert!(j.explanation.unwrap().contains("no Resources array"));
    }

    #[test]
    fn okta_takes_404_as_no_match_entra_does_not() {
        let e = Expect::Lookup {
            attr: "userName",
            value: "a@x".into(),
        };
        let v = json!({"detail": "not found"});
        let (j, found) =
            judge_lookup(Judge::Okta, &e, &answer(404, &v), None, "userName", "a@x").unwrap();
        assert_eq!((j.verdict, found), (Verdict::Pass, Found::Nothing));
        assert!(j.explanation.unwrap().contains("okta accepts it"));
        let j = judge(Judge::Entra, &e, &answer(404, &v), None);
        assert_eq!(j.verdict, Verdict::Fail);
    }

    #[test]
    fn lookups_find_one_match_and_flag_duplicates_and_ignored_filters() {
        let e = Expect::Lookup {
            attr: "userName",
            value: "a@x".into(),
        };
        let one = json!({"totalResults": 1, "Resources": [{"id": "7", "userName": "A@x"}]});
        let (_, found) = judge_lookup(
            Judge::Entra,
            &e,
            &answer(200, &one),
            None,
            "userName",
            "a@x",
        )
        .unwrap();
        assert!(matches!(found, Found::One(id, _) if id == "7"));
        let two = json!({"totalResults": 2, "Resources": [{"id": "7", "userName": "a@x"}, {"id": "8", "userName": "a@x"}]});
        let j = judge(Judge::Entra, &e, &answer(200, &two), None);
        assert!(j.explanation.unwrap().contains("DuplicateTargetEntries"));
        let ignored = json!({"totalResults": 1, "Resources": [{"id": "9", "userName": "b@x"}]});
        let j = judge(Judge::Okta, &e, &answer(200, &ignored), None);
        assert!(j.explanation.unwrap().contains("filter was ignored"));
    }

    #[test]
    fn a_create_needs_201_and_an_id() {
        let ok = json!({"id": "abc", "userName": "a"});
        assert_eq!(
            judge(Judge::Okta, &Expect::Create, &answer(201, &ok), None).verdict,
            Verdict::Pass
        );
        let no_id = json!({"userName": "a"});
        let j = judge(Judge::Okta, &Expect::Create, &answer(201, &no_id), None);
        assert_eq!(j.verdict, Verdict::Fail);
        assert!(j.explanation.unwrap().contains("has no \"id\""));
        let empty = Answer {
            status: 201,
            json: None,
            text: "",
            content_type: None,
        };
        let j = judge(Judge::Okta, &Expect::Create, &empty, None);
        assert!(
            j.explanation
                .unwrap()
                .contains("create new user returned empty user")
        );
        let j = judge(Judge::Entra, &Expect::Create, &answer(200, &ok), None);
        assert!(j.explanation.unwrap().contains("200 instead of 201"));
    }

    #[test]
    fn a_400_on_a_quirky_request_names_the_quirk_and_the_endpoint_detail() {
        let err = json!({"status": "400", "scimType": "invalidValue", "detail": "'False' is not a boolean"});
        let j = judge(
            Judge::Entra,
            &Expect::UserWrite {
                active: Some(false),
                allow_no_content: true,
            },
            &answer(400, &err),
            Some("this request sends active as the string \"False\""),
        );
        let why = j.explanation.unwrap();
        assert!(why.contains("got 400"), "{why}");
        assert!(
            why.contains("invalidValue: 'False' is not a boolean"),
            "{why}"
        );
        assert!(why.contains("the string \"False\""), "{why}");
    }

    #[test]
    fn a_user_stored_with_a_string_active_fails() {
        let write = Expect::UserWrite {
            active: Some(false),
            allow_no_content: true,
        };
        for stored in [json!("False"), json!("True"), json!(0)] {
            let v = json!({"id": "1", "active": stored});
            let j = judge(Judge::Entra, &write, &answer(200, &v), None);
            assert_eq!(j.verdict, Verdict::Fail, "{v}");
            assert!(j.explanation.unwrap().contains("not a json boolean"));
        }
        let v = json!({"id": "1", "active": false});
        assert_eq!(
            judge(Judge::Entra, &write, &answer(200, &v), None).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn server_errors_say_what_the_idp_does() {
        let v = json!({"detail": "boom"});
        let j = judge(Judge::Entra, &Expect::Create, &answer(500, &v), None);
        let why = j.explanation.unwrap();
        assert!(
            why.contains("got 500") && why.contains("escrow") && why.contains("boom"),
            "{why}"
        );
        let j = judge(Judge::Okta, &Expect::Create, &answer(503, &v), None);
        assert!(j.explanation.unwrap().contains("okta fails the task"));
    }

    #[test]
    fn a_write_that_does_not_take_active_fails() {
        let e = Expect::UserWrite {
            active: Some(false),
            allow_no_content: false,
        };
        let v = json!({"id": "1", "active": true});
        let j = judge(Judge::Okta, &e, &answer(200, &v), None);
        assert!(
            j.explanation
                .unwrap()
                .contains("came back with active true")
        );
        let blank = Answer {
            status: 204,
            json: None,
            text: "",
            content_type: None,
        };
        assert_eq!(judge(Judge::Okta, &e, &blank, None).verdict, Verdict::Fail);
    }

    #[test]
    fn duplicates_must_conflict_and_members_must_be_excluded() {
        let v = json!({"id": "1"});
        let j = judge(Judge::Okta, &Expect::Conflict, &answer(201, &v), None);
        assert!(j.explanation.unwrap().contains("requires 409"));
        let g = json!({"id": "g", "members": [{"value": "1"}]});
        let j = judge(
            Judge::Entra,
            &Expect::ReadWithoutMembers { id: "g".into() },
            &answer(200, &g),
            None,
        );
        assert!(
            j.explanation
                .unwrap()
                .contains("excludedAttributes=members was ignored")
        );
    }

    #[test]
    fn a_string_name_in_the_answer_is_never_held_against_the_endpoint() {
        // Okta's guide setup sends "name" as a string; an app that stores it as sent echoes it.
        let user = json!({"id": "1", "userName": "a@x", "name": "Ada Lovelace", "active": true});
        for expect in [
            Expect::Create,
            Expect::Read { id: "1".into() },
            Expect::UserWrite {
                active: Some(true),
                allow_no_content: false,
            },
        ] {
            let status = if expect == Expect::Create { 201 } else { 200 };
            let j = judge(Judge::Okta, &expect, &answer(status, &user), None);
            assert_eq!(j, Judgement::pass(), "{expect:?}");
        }
        let list = json!({"totalResults": 1, "Resources": [user]});
        let e = Expect::Lookup {
            attr: "userName",
            value: "a@x".into(),
        };
        assert_eq!(
            judge(Judge::Okta, &e, &answer(200, &list), None).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn entra_notes_a_non_scim_content_type_without_failing() {
        let v = empty_list();
        let a = Answer {
            content_type: Some("application/json"),
            ..answer(200, &v)
        };
        let j = judge(Judge::Entra, &Expect::EmptyList, &a, None);
        assert_eq!(j.verdict, Verdict::Pass);
        assert!(j.explanation.unwrap().contains("application/scim+json"));
        assert_eq!(
            judge(Judge::Okta, &Expect::List, &a, None),
            Judgement::pass()
        );
    }
}
