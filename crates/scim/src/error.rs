//! `ScimError`: the one error type of the protocol layer.
//!
//! Every failure the SCIM listener can report is one of these, and each maps to exactly one
//! RFC 7644 §3.12 error body (`status` as a string, `scimType` where the RFC defines one). The
//! engine turns it into an HTTP response; this crate only knows the status code and the body.
//! Messages are lowercase, name the bad value, and say how to fix it where possible.

use serde_json::{Value, json};

/// The `scimType` values of RFC 7644 §3.12 table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax was invalid or the filter combination was not supported.
    InvalidFilter,
    /// The filter yields too many results for the server to process.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the target attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The specified `path` did not yield an attribute that could be operated on.
    NoTarget,
    /// A required value was missing, or the value was not compatible with the attribute type.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the URI.
    Sensitive,
}

impl ScimType {
    /// The wire spelling of this `scimType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }
}

/// A SCIM protocol error: an HTTP status, an optional `scimType`, and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ScimError {
    /// HTTP status code (400, 401, 404, 409, 412, 413, 500, ...).
    pub status: u16,
    /// The RFC 7644 `scimType`, when the RFC defines one for this failure.
    pub scim_type: Option<ScimType>,
    /// Lowercase message naming the bad value and, where possible, the fix.
    pub detail: String,
    /// In strict mode: the quirk whose refusal this error is (never part of the body; the
    /// capture records it so a strict 400 names the deviation behind it).
    pub refused_quirk: Option<crate::Quirk>,
}

/// The URN of the SCIM error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

impl ScimError {
    /// An error with an explicit status and `scimType`.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            refused_quirk: None,
        }
    }

    /// This error as the strict refusal of `quirk`.
    #[must_use]
    pub fn refusing(mut self, quirk: crate::Quirk) -> Self {
        self.refused_quirk = Some(quirk);
        self
    }
    /// 400 with the given `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }
    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }
    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }
    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }
    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }
    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }
    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }
    /// 404 without a `scimType`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }
    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(ScimType::Uniqueness), detail)
    }
    /// 500: the detail shown to the client is generic; the cause is logged by the caller.
    pub fn internal() -> Self {
        Self::new(
            500,
            None,
            "internal error: see the scimlab log for the cause",
        )
    }

    /// The RFC 7644 §3.12 JSON body for this error.
    pub fn to_body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".into(), Value::String(t.as_str().into()));
        }
        body
    }
}

/// Result alias for protocol operations.
pub type Result<T, E = ScimError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_string_status_and_scim_type() {
        let body = ScimError::uniqueness("userName 'a' is taken").to_body();
        assert_eq!(body["status"], "409");
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(body["schemas"][0], ERROR_SCHEMA);
    }

    #[test]
    fn body_omits_scim_type_when_none() {
        let body = ScimError::not_found("no user 'x'").to_body();
        assert!(body.get("scimType").is_none());
        assert_eq!(body["status"], "404");
    }
}
