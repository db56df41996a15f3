//! Quirk labels: what an IdP sent that a strict RFC 7643/7644 reading would not expect.
//!
//! ScimLab accepts what Entra ID and Okta really send (see `shared/reference/idp-traffic.md` §11)
//! and *labels* it, so the capture layer can show the admin which deviations a request relied on.
//! Labels are stable strings (`entra.string-boolean`): the UI, exports and tests key on them, so
//! never rename one. In [`Mode::Strict`] a quirk that the RFC forbids becomes the 400 error a
//! strict production app would send; quirks the RFC allows are only labelled.

use crate::error::ScimError;

/// How tolerant the service provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Accept what real IdPs send and label the deviations (the default).
    #[default]
    Tolerant,
    /// Answer per RFC 7644: deviations the RFC forbids are rejected with 400.
    Strict,
}

macro_rules! quirks {
    ($( $(#[doc = $doc:literal])* $variant:ident = $label:literal, rfc_allows: $allowed:literal ;)*) => {
        /// One deviation from RFC 7643/7644 seen in a request. See the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Quirk {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Quirk {
            /// Every quirk, in declaration order.
            pub const ALL: &'static [Quirk] = &[$(Quirk::$variant),*];

            /// The stable label, e.g. `entra.string-boolean`.
            pub fn label(self) -> &'static str {
                match self { $(Quirk::$variant => $label,)* }
            }

            /// Whether RFC 7644 permits this shape (then strict mode only labels it).
            pub fn rfc_allows(self) -> bool {
                match self { $(Quirk::$variant => $allowed,)* }
            }

            /// One-line explanation shown next to the label.
            pub fn summary(self) -> &'static str {
                match self { $(Quirk::$variant => concat!($($doc),*).trim_ascii(),)* }
            }
        }
    };
}

quirks! {
    /// PATCH `op` written with capitals (`Replace`, `Add`, `Remove`) as Entra ID sends by default.
    CapitalizedOp = "entra.capitalized-op", rfc_allows: false;
    /// A boolean sent as a string (`"False"`, `"true"`), in a body or a filter.
    StringBoolean = "entra.string-boolean", rfc_allows: false;
    /// Path-less PATCH value with dotted keys such as `name.givenName`.
    PathlessDottedKey = "entra.pathless-dotted-key", rfc_allows: false;
    /// Path-less PATCH value with URN-qualified keys such as `urn:...:enterprise:2.0:User:employeeNumber`.
    PathlessUrnKey = "entra.pathless-urn-key", rfc_allows: false;
    /// PATCH `add` on a single-valued attribute (RFC 7644 §3.5.2.1 treats it as replace).
    AddSingleValued = "entra.add-single-valued", rfc_allows: true;
    /// `add`/`replace` on a filtered path that matched no element: the element was created.
    FilteredPathUpsert = "entra.filtered-path-upsert", rfc_allows: false;
    /// Member removal by a value list (`op: remove, path: members, value: [...]`) instead of a filter.
    RemoveByValueList = "entra.remove-by-value-list", rfc_allows: false;
    /// Member removal with a filter path such as `members[value eq "..."]` (RFC form).
    RemoveByFilter = "entra.remove-by-filter", rfc_allows: true;
    /// Value filter on a single-valued complex attribute, e.g. `manager[value eq "..."]`.
    FilterOnSingleValued = "entra.filter-on-single-valued", rfc_allows: false;
    /// Enterprise `manager` sent as a bare string id instead of `{"value": ...}`.
    ManagerAsString = "entra.manager-string", rfc_allows: false;
    /// Enterprise `manager` sent as a one-element array.
    ManagerAsArray = "entra.manager-array", rfc_allows: false;
    /// `"$ref": null` inside a member or manager value.
    NullRef = "entra.null-ref", rfc_allows: true;
    /// A PATCH value that is a JSON document inside a string (Entra app-role assignments).
    JsonInString = "entra.json-in-string", rfc_allows: false;
    /// Extension object present but its URN missing from `schemas`.
    ExtensionNotInSchemas = "entra.extension-not-in-schemas", rfc_allows: false;
    /// Microsoft's non-standard group schema URN `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`.
    MicrosoftGroupSchema = "entra.microsoft-group-schema", rfc_allows: false;
    /// The enterprise extension URN misspelt (e.g. `...enterprise:2.0User`, missing a colon).
    MalformedEnterpriseUrn = "entra.malformed-enterprise-urn", rfc_allows: false;
    /// Filter comparison value without quotes (`externalId eq jyoung`).
    UnquotedFilterValue = "entra.unquoted-filter-value", rfc_allows: false;
    /// Filter with `+` for spaces in the query string (`userName+eq+"x"`).
    PlusEncodedFilter = "entra.plus-encoded-filter", rfc_allows: true;
    /// The `aadOptscim062020` feature flag appended to the tenant URL.
    AadOptFlag = "entra.aadoptscim062020", rfc_allows: true;
    /// `meta` sent by the client in a create (read-only per RFC 7643).
    ClientSentMeta = "entra.client-sent-meta", rfc_allows: true;
    /// Attribute sent as explicit `null` (treated as unassigned).
    NullAttribute = "entra.null-attribute", rfc_allows: true;
    /// Path-less replace whose value carries the resource `id` (Okta group PATCH, Entra).
    PathlessReplaceWithId = "okta.pathless-replace-with-id", rfc_allows: false;
    /// Path-less PATCH value object (`{"op":"replace","value":{"active":false}}`).
    PathlessValue = "okta.pathless-value", rfc_allows: true;
    /// `password` sent on a write; accepted, never stored, never returned.
    PasswordSent = "okta.password-sent", rfc_allows: true;
    /// A full-replace PUT for an update (Okta AIW apps; Entra never sends PUT).
    PutFullReplace = "okta.put-full-replace", rfc_allows: true;
    /// PUT echoing read-only attributes (`id`, `meta`, `groups`) it read back.
    PutEchoesReadOnly = "okta.put-echoes-readonly", rfc_allows: true;
    /// An attribute not in any known schema, kept as sent (Okta custom attributes at top level).
    UnknownAttribute = "okta.unknown-attribute", rfc_allows: true;
    /// Body sent as `application/json` rather than `application/scim+json`.
    ApplicationJson = "scim.application-json", rfc_allows: true;
    /// A query parameter SCIM does not define (ignored and recorded).
    UnknownQueryParameter = "scim.unknown-query-parameter", rfc_allows: true;
    /// The API key sent without the `Bearer ` scheme.
    BareToken = "auth.bare-token", rfc_allows: true;
    /// `schemas` missing from a request body.
    MissingSchemas = "scim.missing-schemas", rfc_allows: false;
    /// A known attribute name written with different case (`UserName`), canonicalised.
    AttributeNameCase = "scim.attribute-name-case", rfc_allows: true;
    /// A value of the wrong JSON type for its attribute (`"active": 1`), stored as sent.
    WrongType = "scim.wrong-type", rfc_allows: false;
    /// A body sent with a content type other than JSON (`text/plain`), parsed as JSON anyway.
    OtherContentType = "scim.other-content-type", rfc_allows: false;
    /// `name` sent as a string (`"name": "Ada Lovelace"`): an Okta Profile Editor attribute named `name` in the core namespace shadows SCIM's complex `name`; stored as sent and read as the display name.
    StringName = "okta.string-name", rfc_allows: false;
    /// A core attribute sent with another JSON type than RFC 7643 defines (a string `emails`, an object `displayName`, a list for `userType`): usually an IdP custom attribute named like a core one; stored as sent.
    ShadowedCoreAttribute = "scim.core-attribute-shadowed", rfc_allows: false;
    /// A PATCH with an empty `Operations` array (Microsoft's SCIM Validator sends one): nothing to do, answered 200.
    EmptyOperations = "scim.empty-operations", rfc_allows: false;
}

impl serde::Serialize for Quirk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl std::fmt::Display for Quirk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Collects the quirks one request used and applies the [`Mode`].
#[derive(Debug, Clone, Default)]
pub struct Quirks {
    mode: Mode,
    seen: Vec<Quirk>,
}

impl Quirks {
    /// An empty collector for the given mode.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            seen: Vec::new(),
        }
    }

    /// The mode this collector enforces.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Record `quirk`. In strict mode a quirk the RFC forbids returns `strict_error()` instead.
    pub fn tolerate(
        &mut self,
        quirk: Quirk,
        strict_error: impl FnOnce() -> ScimError,
    ) -> Result<(), ScimError> {
        if self.mode == Mode::Strict && !quirk.rfc_allows() {
            return Err(strict_error().refusing(quirk));
        }
        self.note(quirk);
        Ok(())
    }

    /// Record a quirk that is never an error (the RFC allows it or it is only informative).
    pub fn note(&mut self, quirk: Quirk) {
        if !self.seen.contains(&quirk) {
            self.seen.push(quirk);
        }
    }

    /// Whether `quirk` was recorded.
    pub fn contains(&self, quirk: Quirk) -> bool {
        self.seen.contains(&quirk)
    }

    /// The recorded quirks, in the order first seen.
    pub fn as_slice(&self) -> &[Quirk] {
        &self.seen
    }

    /// The recorded labels, in the order first seen.
    pub fn labels(&self) -> Vec<&'static str> {
        self.seen.iter().map(|q| q.label()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_namespaced() {
        let mut labels: Vec<_> = Quirk::ALL.iter().map(|q| q.label()).collect();
        let n = labels.len();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), n, "duplicate quirk label");
        for l in labels {
            assert!(
                l.contains('.') && l == l.to_ascii_lowercase(),
                "bad label {l}"
            );
        }
    }

    #[test]
    fn strict_rejects_only_what_the_rfc_forbids() {
        let mut q = Quirks::new(Mode::Strict);
        assert!(
            q.tolerate(Quirk::StringBoolean, || ScimError::invalid_value("x"))
                .is_err()
        );
        assert!(
            q.tolerate(Quirk::AddSingleValued, || ScimError::invalid_value("x"))
                .is_ok()
        );
        assert_eq!(q.labels(), vec!["entra.add-single-valued"]);
    }

    #[test]
    fn tolerant_records_once() {
        let mut q = Quirks::new(Mode::Tolerant);
        q.tolerate(Quirk::StringBoolean, ScimError::internal)
            .unwrap();
        q.tolerate(Quirk::StringBoolean, ScimError::internal)
            .unwrap();
        assert_eq!(q.as_slice(), &[Quirk::StringBoolean]);
        assert!(!Quirk::StringBoolean.summary().is_empty());
    }
}
