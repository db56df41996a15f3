//! Mapping: how a stored SCIM user lands on the target app's model, and which role it gets.
//!
//! This module owns the pure logic behind issue 4's "target model and mapping profiles",
//! "Results" and "Roles": no I/O, no clock, no database. Storage of admin-edited profiles, the
//! admin API and the setup checklist live elsewhere and call in here, so every rule below is
//! unit-tested beside the code.
//!
//! - [`profile`]: the target fields, mapping profiles (the three built-ins and admin-made ones,
//!   serialisable as JSON) and the source-path language they are written in, parsed once by
//!   [`MappingProfile::compile`].
//! - [`evaluate`](mod@evaluate): reading one stored user through a compiled profile into a
//!   [`MappingResult`] (value, concrete path, raw value, status and explanation per field, plus
//!   the attributes no field used).
//! - [`role`]: the role rules (`Member` / `Admin` exactly as written, `Member` by default) and
//!   the per-endpoint [`summarise`] counts.
//!
//! # The source-path language
//!
//! Each rule of a profile lists source paths, tried in order. A path is one *term* or a
//! *composite* of terms:
//!
//! ```text
//! source    = term *( "+" term )     ; composite: the parts that are text, joined by one space
//! term      = [ scope ] name [ selector ] [ "." sub ]
//! scope     = "*:"                   ; this attribute under any extension object
//!           / urn ":"                ; under one named schema, e.g.
//!                                    ;   urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:
//!                                    ; (the core User URN means top level)
//! selector  = "[" digits "]"         ; the n-th element, counted from 0: roles[0].value
//!           / "[primary]"            ; the element marked primary; the first when none is
//!           / "[" scim-filter "]"    ; RFC 7644 filter on the element: emails[type eq "work"]
//! name, sub = scim attribute names (a letter, '_' or '$', then letters, digits, '-', '_', '$')
//! ```
//!
//! Examples: `userName`, `name.formatted`, `emails[type eq "work"].value`,
//! `roles[primary eq true].value`, `roles[0].value`, `emails[primary].value`, `*:employeeType`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType`,
//! `name.givenName + name.familyName`.
//!
//! Reading rules:
//! - URNs match case-insensitively; attribute names that a schema defines are stored under
//!   their canonical names (ingest canonicalises them), so a path may spell them in any case;
//!   every other name (Okta's `role`, `email`, `name`; Entra's `employeeType`) matches exactly,
//!   because the target app's names are case-sensitive. An attribute that differs only by case
//!   (`Role`, `EmployeeType`) is not read: when a field finds nothing else, its status is
//!   `misnamed` and the explanation names that attribute as the likely intended source, with
//!   the rename in the IdP's own words. Values (roles in particular) are compared exactly;
//! - `*:` looks in every top-level object whose key starts with `urn:` (Entra does not list its
//!   custom extension in `schemas`, Okta's custom namespace need not contain `:schemas:`), in
//!   the order the user holds them; each extension found is a separate source;
//! - a scoped path also finds a flat key such as `"urn:…:2.0:User:employeeType": "Admin"` at top
//!   level, in case a value was stored through a path ScimLab did not recognise;
//! - a selector on a single-valued object treats it as a one-element list;
//! - a value of `null` or `[]` counts as not sent.
//!
//! # Decisions
//!
//! - **Which source wins**: the first source, in profile order, that holds a usable value. For
//!   the text fields (user name, display name, email) a value that is not text (Okta's `name`
//!   when it is the SCIM complex, a number), an empty string, or an email without `@` is passed
//!   over with a note; when nothing usable arrived but such a value did, the field is `invalid`.
//!   For the role any value that arrived counts, so a bad role is shown as `invalid` instead of
//!   being silently skipped.
//! - **Ambiguous**: a later source holding a different value in a *different attribute* than
//!   the winner (an extension's `employeeType` versus `roles`, `displayName` versus
//!   `name.formatted`). Sources reading the same attribute (`roles[primary eq true].value`,
//!   then `roles[0].value`; the work email, then the primary email) are fallbacks, not rivals,
//!   and a composite (given + family) is a last-resort construction that never competes. The
//!   first source's value is kept; the status is `ambiguous` and the explanation names both.
//! - **Lists**: when a path picks one value out of several candidates (an index while no
//!   element is marked primary, `[primary]` while none is, a filter matching several elements,
//!   a plain `roles.value` over a list), the other values travel along. A text field takes the first and says so; the role is
//!   `invalid` because the app takes exactly one role ("a list of two").
//! - **JSON in a string**: Entra's app-role values like `{"id":…,"value":"Admin",
//!   "displayName":…}` are unwrapped and their `value` is read (the app role's value is what
//!   the vendor guide's `Member` / `Admin` are; `displayName` is a label and may differ). An
//!   object without a `value` is invalid.
//! - **Auto** picks the Entra profile for users Entra created and the Okta profile for users
//!   Okta created. For any other client (curl, scripts, the Microsoft SCIM Validator) it uses
//!   the Entra profile: that one reads the standard RFC 7643 attributes (`emails` of type work,
//!   `roles`, extension objects) that generic clients send, while the Okta profile first looks
//!   for Okta's custom top-level attributes.
//! - **Unmapped** lists every attribute the user holds that no field read, at the grain an
//!   admin maps in the IdP: top-level attributes, sub-attributes of complex ones
//!   (`name.givenName`), one entry per element of multi-valued ones (`emails[type eq "home"]`,
//!   or `phoneNumbers[1]` without a type), one per attribute of each extension object. Never
//!   listed: `schemas`, `id`, `meta` (protocol plumbing), `groups` (comes from group
//!   membership, not an attribute mapping), `password` (never stored), `active` (the
//!   deactivation mapping the guide requires), and `externalId` for users Okta created (Okta
//!   always sends its own user id there; Entra's comes from a removable `mailNickname` mapping,
//!   so it is listed). Empty values (`null`, `[]`, `{}`) are not listed.
//! - **Results carry what the app receives**: [`FieldResult::value`] is the value the target
//!   field gets, so an invalid or absent role shows `Member`; [`FieldResult::raw`] shows what
//!   arrived.
//!
//! Pure: imports `model` only (the I/O is `results.rs`).

pub mod evaluate;
pub mod profile;
mod resolve;
pub mod role;

pub use evaluate::evaluate;
pub use profile::{
    AUTO_PROFILE_ID, AttrRef, CompiledProfile, ENTRA_PROFILE_ID, FieldRule, MappingProfile,
    OKTA_PROFILE_ID, PathError, PathScope, ProfileError, Selector, SourcePath, TargetField,
    builtin_profile, builtin_profiles, is_reserved_profile_id,
};
pub use role::{FieldStatusCounts, Role, RoleCounts, RoleSummary, StatusCounts, summarise};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// How a target field was filled for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum FieldStatus {
    /// A value arrived and the field took it.
    Mapped,
    /// Nothing arrived; the field took its default (the role `Member`).
    Defaulted,
    /// Nothing arrived and the field has no default.
    Missing,
    /// Something arrived that the field cannot take; [`FieldResult::raw`] shows it.
    Invalid,
    /// Two sources disagree; the first source's value was taken.
    Ambiguous,
    /// Nothing arrived under the names the profile reads, but an attribute named the same in
    /// another case did (`Role` for `role`): not read, since names are case-sensitive, and
    /// shown as the likely intended source with the fix.
    Misnamed,
}

impl FieldStatus {
    /// Every status, in display order.
    pub const ALL: [FieldStatus; 6] = [
        FieldStatus::Mapped,
        FieldStatus::Defaulted,
        FieldStatus::Missing,
        FieldStatus::Invalid,
        FieldStatus::Ambiguous,
        FieldStatus::Misnamed,
    ];
}

/// One target field of one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldResult {
    /// The target field.
    pub field: TargetField,
    /// The value the target field receives (for the role: always the effective role).
    pub value: Option<String>,
    /// The concrete path the value was read from, e.g.
    /// `urn:ietf:params:scim:schemas:extension:testmail:2.0:User:employeeType`; `None` when
    /// nothing arrived.
    pub path: Option<String>,
    /// What arrived at that path, as stored.
    #[ts(type = "unknown")]
    pub raw: Option<Value>,
    /// How the field was filled.
    pub status: FieldStatus,
    /// One line a non-developer understands.
    pub explanation: String,
}

/// How one stored user lands on the target app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MappingResult {
    /// The profile in force (e.g. `auto`).
    pub profile_id: String,
    /// The profile whose rules were applied (`entra` or `okta` under `auto`, else `profile_id`).
    pub applied_profile_id: String,
    /// Why those rules were applied (names the creating IdP under `auto`).
    pub profile_explanation: String,
    /// One result per target field, in [`TargetField::ALL`] order.
    pub fields: Vec<FieldResult>,
    /// Attribute paths the IdP sent that no field used (see the module docs for the grain).
    pub unmapped: Vec<String>,
    /// The role the user gets in the target app.
    pub effective_role: Role,
}

impl MappingResult {
    /// The result for `field`.
    pub fn field(&self, field: TargetField) -> Option<&FieldResult> {
        self.fields.iter().find(|f| f.field == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ts_rs::Config;

    #[test]
    fn typescript_shapes_for_the_ui() {
        let cfg = Config::new();
        let role = Role::export_to_string(&cfg).unwrap();
        assert!(
            role.contains(r#"export type Role = "Member" | "Admin";"#),
            "{role}"
        );
        let status = FieldStatus::export_to_string(&cfg).unwrap();
        assert!(
            status.contains(
                r#""mapped" | "defaulted" | "missing" | "invalid" | "ambiguous" | "misnamed""#
            ),
            "{status}"
        );
        let field = TargetField::export_to_string(&cfg).unwrap();
        assert!(
            field.contains(r#""userName" | "displayName" | "email" | "role""#),
            "{field}"
        );
        let result = FieldResult::export_to_string(&cfg).unwrap();
        assert!(result.contains("raw: unknown"), "{result}");
        let mapping = MappingResult::export_to_string(&cfg).unwrap();
        assert!(mapping.contains("effectiveRole: Role"), "{mapping}");
        let profile = MappingProfile::export_to_string(&cfg).unwrap();
        assert!(profile.contains("fields: Array<FieldRule>"), "{profile}");
        let summary = RoleSummary::export_to_string(&cfg).unwrap();
        assert!(summary.contains("byRole: RoleCounts"), "{summary}");
    }
}
