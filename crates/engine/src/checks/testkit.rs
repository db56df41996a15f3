//! Test helpers: captured exchanges built by hand in the shapes Entra ID and Okta really send
//! (`shared/reference/idp-traffic.md`), as the capture layer would have stored them (redacted,
//! classified, with the quirk labels the SCIM core reports).

use super::{CheckInput, UserFacts, attribute_paths};
use crate::auth::AuthFailure;
use crate::model::{AuthOutcome, AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind};
use scimlab_scim::Quirk;
use serde_json::{Value, json};
use std::sync::Arc;

/// Entra's random-GUID Test Connection probe, as it arrives (`+` for spaces).
pub const ENTRA_PROBE: &str =
    "/scim/v2/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22";
/// Okta's constant connector test.
pub const OKTA_PROBE: &str = "/scim/v2/Users?startIndex=1&count=2";
/// The custom extension the example uses for Entra's employeeType.
pub const TESTMAIL_EXT: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";

/// Builder methods on a hand-made exchange.
pub trait Build: Sized {
    /// Set the request body.
    fn with_body(self, body: &Value) -> Self;
    /// Set the response body.
    fn with_answer(self, body: &Value) -> Self;
    /// Add quirk labels.
    fn with_quirks(self, quirks: &[Quirk]) -> Self;
    /// Set the user touched.
    fn with_user(self, id: &str, name: Option<&str>) -> Self;
    /// Set what the Authorization header held.
    fn with_auth(self, scheme: Option<&str>, matched: bool) -> Self;
}

impl Build for Exchange {
    fn with_body(mut self, body: &Value) -> Self {
        self.request_body = Some(body.to_string());
        self
    }
    fn with_answer(mut self, body: &Value) -> Self {
        self.response_body = Some(body.to_string());
        self
    }
    fn with_quirks(mut self, quirks: &[Quirk]) -> Self {
        self.summary
            .quirks
            .extend(quirks.iter().map(|q| q.label().to_owned()));
        self
    }
    fn with_user(mut self, id: &str, name: Option<&str>) -> Self {
        self.summary.resource_type = Some(scimlab_scim::ResourceKind::User);
        self.summary.resource_id = Some(id.into());
        self.summary.resource_name = name.map(str::to_owned);
        self
    }
    fn with_auth(mut self, scheme: Option<&str>, matched: bool) -> Self {
        self.auth = AuthSummary {
            scheme: scheme.map(str::to_owned),
            last4: scheme.map(|_| "x9Qa".to_owned()),
            matched,
            outcome: AuthOutcome::from_legacy(matched, scheme, self.summary.status),
            workspace: None,
        };
        self
    }
}

/// A bare exchange: `target` is the path with an optional `?query`; authenticated with
/// `Bearer …x9Qa` unless the status is 401.
pub fn ex(
    id: i64,
    idp: Idp,
    method: &str,
    target: &str,
    status: u16,
    operation: OperationKind,
) -> Exchange {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Exchange {
        summary: ExchangeSummary {
            id,
            at: format!("2025-06-01T10:{:02}:00.000Z", id % 60),
            method: method.into(),
            path: path.into(),
            query: query.into(),
            status,
            latency_ms: 1.5,
            idp,
            operation,
            resource_type: None,
            resource_id: None,
            resource_name: None,
            quirks: Vec::new(),
            fold_count: None,
            last_at: None,
            refused_quirk: None,
            fault: None,
        },
        client_addr: Some("203.0.113.7:50123".into()),
        idp_reason: String::new(),
        request_headers: Vec::new(),
        request_body: None,
        request_truncated: false,
        response_headers: Vec::new(),
        response_body: None,
        response_truncated: false,
        auth: AuthSummary {
            scheme: Some("Bearer".into()),
            last4: Some("x9Qa".into()),
            matched: status != 401,
            outcome: AuthOutcome::from_legacy(status != 401, Some("Bearer"), status),
            workspace: None,
        },
        before: None,
        after: None,
    }
}

/// The input of one checklist.
pub fn input<'a>(
    idp: Idp,
    exchanges: &'a [Exchange],
    users: &'a [Arc<UserFacts>],
) -> CheckInput<'a> {
    CheckInput::new(idp, exchanges, users)
}

/// A stored user's facts, its attributes taken from the create body.
pub fn facts(
    id: &str,
    user_name: &str,
    idp: Idp,
    body: &Value,
    role: Option<&str>,
) -> Arc<UserFacts> {
    Arc::new(UserFacts {
        id: id.into(),
        user_name: user_name.into(),
        created_by: idp,
        attributes_sent: attribute_paths(body).into(),
        role_raw: role.map(|r| json!(r)),
        role_valid: role.is_none_or(|r| r == "Member" || r == "Admin"),
    })
}

/// A ListResponse with `n` users.
pub fn list_response(n: usize) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": n, "startIndex": 1, "itemsPerPage": n,
        "Resources": (0..n).map(|i| json!({"id": format!("u{i}")})).collect::<Vec<_>>()})
}

/// The 401 answer for `failure`, with the endpoint's real detail text.
pub fn unauthorized(failure: AuthFailure) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401",
        "detail": failure.to_error().detail})
}

// --- Entra ------------------------------------------------------------------------------------

/// Entra's Test Connection probe answered `status` (a 401 is classified as rejected).
pub fn entra_probe(id: i64, status: u16) -> Exchange {
    let op = if status == 401 {
        OperationKind::Rejected
    } else {
        OperationKind::ConnectionProbe
    };
    let e = ex(id, Idp::Entra, "GET", ENTRA_PROBE, status, op);
    if status == 200 {
        e.with_answer(&list_response(0))
            .with_quirks(&[Quirk::PlusEncodedFilter])
    } else if status == 401 {
        e.with_answer(&unauthorized(AuthFailure::UnknownKey))
    } else {
        e.with_answer(&json!({"status": status.to_string(), "detail": "injected failure"}))
    }
}

/// Entra's lookup by userName before a create.
pub fn entra_match(id: i64, user_name: &str) -> Exchange {
    ex(
        id,
        Idp::Entra,
        "GET",
        &format!("/scim/v2/Users?filter=userName+eq+%22{user_name}%22"),
        200,
        OperationKind::MatchLookup,
    )
    .with_answer(&list_response(0))
}

/// An Entra create body with the guide's four attributes, the custom app's default mappings
/// left in place (externalId, name), and employeeType in a custom extension when given.
pub fn entra_user_body(user_name: &str, employee_type: Option<&str>) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "alice",
        "userName": user_name,
        "active": true,
        "displayName": "Alice Bell",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Alice Bell", "familyName": "Bell", "givenName": "Alice"},
        "roles": [],
        "title": null
    });
    if let Some(t) = employee_type {
        body[TESTMAIL_EXT] = json!({"employeeType": t});
    }
    body
}

/// Where an Entra admin's employeeType target lands (the guide leaves it to the admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// `"employeeType": "Admin"` at the top level.
    Top,
    /// Inside the enterprise extension (listed in `schemas`).
    Enterprise,
    /// Inside the custom `testmail` extension, whose URN entra leaves out of `schemas`.
    Custom,
}

/// The enterprise extension URN.
pub const ENTERPRISE_EXT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// An Entra create body exactly as the guide's setup produces it: `userName`, `active`,
/// `displayName`, the work email and, when given, `employeeType` where `at` says.
pub fn entra_guide_body(user_name: &str, employee_type: Option<&str>, at: At) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
        "displayName": "Ada Lovelace",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"}
    });
    if let Some(t) = employee_type {
        match at {
            At::Top => body["employeeType"] = json!(t),
            At::Enterprise => {
                if let Some(schemas) = body["schemas"].as_array_mut() {
                    schemas.push(json!(ENTERPRISE_EXT));
                }
                body[ENTERPRISE_EXT] = json!({"employeeType": t});
            }
            At::Custom => body[TESTMAIL_EXT] = json!({"employeeType": t}),
        }
    }
    body
}

/// Entra's create of user `user_id`.
pub fn entra_create(id: i64, user_id: &str, body: &Value) -> Exchange {
    let name = body.get("userName").and_then(Value::as_str);
    ex(
        id,
        Idp::Entra,
        "POST",
        "/scim/v2/Users",
        201,
        OperationKind::Create,
    )
    .with_body(body)
    .with_answer(&json!({"id": user_id}))
    .with_user(user_id, name)
    .with_quirks(&[
        Quirk::ClientSentMeta,
        Quirk::NullAttribute,
        Quirk::ExtensionNotInSchemas,
    ])
}

/// An Entra user PATCH with `ops`; the quirk labels follow the ops' spelling.
pub fn entra_patch(id: i64, user_id: &str, op: OperationKind, ops: &Value) -> Exchange {
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let mut quirks = Vec::new();
    let all = ops.as_array().cloned().unwrap_or_default();
    if all.iter().any(|o| {
        o["op"]
            .as_str()
            .is_some_and(|s| s.starts_with(char::is_uppercase))
    }) {
        quirks.push(Quirk::CapitalizedOp);
    }
    if all
        .iter()
        .any(|o| o["value"].is_string() && o["path"] == "active")
    {
        quirks.push(Quirk::StringBoolean);
    }
    ex(
        id,
        Idp::Entra,
        "PATCH",
        &format!("/scim/v2/Users/{user_id}"),
        200,
        op,
    )
    .with_body(&body)
    .with_user(user_id, None)
    .with_quirks(&quirks)
}

// --- Okta -------------------------------------------------------------------------------------

/// Okta's connector test answered `status`.
pub fn okta_probe(id: i64, status: u16) -> Exchange {
    let op = if status == 401 {
        OperationKind::Rejected
    } else {
        OperationKind::ConnectionProbe
    };
    let e = ex(id, Idp::Okta, "GET", OKTA_PROBE, status, op);
    if status == 200 {
        e.with_answer(&list_response(1))
    } else {
        e
    }
}

/// Okta's connector test refused with a 401 (`scheme`: what the header held, `None`: no header).
pub fn okta_refused(id: i64, scheme: Option<&str>) -> Exchange {
    let failure = match scheme {
        None => AuthFailure::Missing,
        Some("Bearer" | "bare") => AuthFailure::UnknownKey,
        Some(_) => AuthFailure::WrongScheme,
    };
    ex(
        id,
        Idp::Okta,
        "GET",
        OKTA_PROBE,
        401,
        OperationKind::Rejected,
    )
    .with_auth(scheme, false)
    .with_answer(&unauthorized(failure))
}

/// Okta's lookup by userName before a create.
pub fn okta_match(id: i64, user_name: &str) -> Exchange {
    ex(
        id,
        Idp::Okta,
        "GET",
        &format!("/scim/v2/Users?filter=userName%20eq%20%22{user_name}%22&startIndex=1&count=100"),
        200,
        OperationKind::MatchLookup,
    )
    .with_answer(&list_response(0))
}

/// An Okta create body as the guide's setup sends it: core name and emails (base mappings),
/// the custom `email` (top level, core namespace) when `custom_email`, the custom `role` when
/// given, and the random password (already redacted, as capture stores it).
pub fn okta_user_body(user_name: &str, role: Option<&str>, custom_email: bool) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "[redacted]",
        "active": true
    });
    if custom_email {
        body["email"] = json!(user_name);
    }
    if let Some(r) = role {
        body["role"] = json!(r);
    }
    body
}

/// An Okta create body exactly as the guide's setup produces it: only `userName` mapped, plus
/// the Profile Editor's `email`, `name` and `role` (strings, core namespace, so at the top
/// level), no password (Sync Password off); `role` left out when `None`.
pub fn okta_guide_body(user_name: &str, role: Option<&str>) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
        "email": user_name,
        "name": "Ada Lovelace"
    });
    if let Some(r) = role {
        body["role"] = json!(r);
    }
    body
}

/// Okta's create of user `user_id` (password sent, custom attributes unknown to the schema).
pub fn okta_create(id: i64, user_id: &str, body: &Value) -> Exchange {
    let name = body.get("userName").and_then(Value::as_str);
    let mut quirks = vec![Quirk::PutEchoesReadOnly];
    if body.get("password").is_some() {
        quirks.push(Quirk::PasswordSent);
    }
    if body.get("role").is_some() || body.get("email").is_some() {
        quirks.push(Quirk::UnknownAttribute);
    }
    ex(
        id,
        Idp::Okta,
        "POST",
        "/scim/v2/Users",
        201,
        OperationKind::Create,
    )
    .with_body(body)
    .with_answer(&json!({"id": user_id}))
    .with_user(user_id, name)
    .with_quirks(&quirks)
}

/// Okta's read of a user before a PUT.
pub fn okta_read(id: i64, user_id: &str) -> Exchange {
    ex(
        id,
        Idp::Okta,
        "GET",
        &format!("/scim/v2/Users/{user_id}"),
        200,
        OperationKind::Read,
    )
    .with_user(user_id, None)
}

/// Okta's full-replace PUT of the user it just read (an AIW app's update or deactivation).
pub fn okta_put(id: i64, user_id: &str, op: OperationKind, body: &Value) -> Exchange {
    let mut body = body.clone();
    body["id"] = json!(user_id);
    if let Some(o) = body.as_object_mut() {
        o.remove("password");
    }
    ex(
        id,
        Idp::Okta,
        "PUT",
        &format!("/scim/v2/Users/{user_id}"),
        200,
        op,
    )
    .with_body(&body)
    .with_user(user_id, None)
    .with_quirks(&[Quirk::PutFullReplace, Quirk::PutEchoesReadOnly])
}

/// Okta's path-less PATCH `{"op":"replace","value":{...}}` (an OIN template app).
pub fn okta_patch(id: i64, user_id: &str, op: OperationKind, value: &Value) -> Exchange {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": value}]});
    ex(
        id,
        Idp::Okta,
        "PATCH",
        &format!("/scim/v2/Users/{user_id}"),
        200,
        op,
    )
    .with_body(&body)
    .with_user(user_id, None)
    .with_quirks(&[Quirk::PathlessValue])
}
