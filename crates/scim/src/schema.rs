//! The schemas ScimLab serves: core User, enterprise User extension, core Group.
//!
//! Definitions are static data (RFC 7643 §4, §7, §8.7.1). They drive `/Schemas`, attribute-name
//! canonicalisation (names are case-insensitive), type coercion of string booleans, case-exact
//! comparison in filters, `returned: never` (password) and read-only handling. Attributes outside
//! these schemas are not an error: they are kept as sent and labelled by the callers.

use serde_json::{Value, json};

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Microsoft's non-standard group schema URN that Entra ID adds on group creates.
pub const MICROSOFT_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// URN of the ListResponse message.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of the PatchOp message.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// URN of the SearchRequest message.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// SCIM attribute data types (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
}

/// Attribute mutability (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// One attribute definition.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    /// Canonical attribute name.
    pub name: &'static str,
    /// Data type.
    pub ty: AttrType,
    /// Whether the attribute is an array.
    pub multi_valued: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Whether a value is required on create/replace.
    pub required: bool,
    /// Mutability.
    pub mutability: Mutability,
    /// Return policy.
    pub returned: Returned,
    /// Whether the server enforces uniqueness.
    pub unique: bool,
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: &'static [AttrDef],
    /// Description served in `/Schemas`.
    pub description: &'static str,
}

const fn attr(name: &'static str, ty: AttrType, description: &'static str) -> AttrDef {
    AttrDef {
        name,
        ty,
        multi_valued: false,
        case_exact: false,
        required: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        unique: false,
        sub_attributes: &[],
        description,
    }
}

impl AttrDef {
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn always(mut self) -> Self {
        self.returned = Returned::Always;
        self
    }
    const fn write_only_never(mut self) -> Self {
        self.mutability = Mutability::WriteOnly;
        self.returned = Returned::Never;
        self
    }
    const fn subs(mut self, subs: &'static [AttrDef]) -> Self {
        self.ty = AttrType::Complex;
        self.sub_attributes = subs;
        self
    }

    /// Find a sub-attribute by case-insensitive name.
    pub fn sub(&self, name: &str) -> Option<&'static AttrDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The `/Schemas` representation of this attribute.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": match self.ty {
                AttrType::String => "string",
                AttrType::Boolean => "boolean",
                AttrType::Decimal => "decimal",
                AttrType::Integer => "integer",
                AttrType::DateTime => "dateTime",
                AttrType::Reference => "reference",
                AttrType::Complex => "complex",
            },
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::Immutable => "immutable",
                Mutability::WriteOnly => "writeOnly",
            },
            "returned": match self.returned {
                Returned::Always => "always",
                Returned::Never => "never",
                Returned::Default => "default",
                Returned::Request => "request",
            },
            "uniqueness": if self.unique { "server" } else { "none" },
        });
        if !self.sub_attributes.is_empty() {
            v["subAttributes"] = self.sub_attributes.iter().map(AttrDef::to_json).collect();
        }
        if self.ty == AttrType::Reference {
            v["referenceTypes"] = json!(["external", "uri"]);
        }
        v
    }
}

use AttrType::{Boolean, DateTime, Reference, String as Str};

const MULTI_STRING_SUBS: &[AttrDef] = &[
    attr("value", Str, "the value"),
    attr("display", Str, "a human-readable name"),
    attr("type", Str, "a label indicating the function, e.g. 'work'"),
    attr("primary", Boolean, "whether this is the primary value"),
];
const NAME_SUBS: &[AttrDef] = &[
    attr("formatted", Str, "the full name, formatted for display"),
    attr("familyName", Str, "the family name"),
    attr("givenName", Str, "the given name"),
    attr("middleName", Str, "the middle name(s)"),
    attr("honorificPrefix", Str, "the honorific prefix, e.g. 'Ms.'"),
    attr("honorificSuffix", Str, "the honorific suffix, e.g. 'III'"),
];
const ADDRESS_SUBS: &[AttrDef] = &[
    attr("formatted", Str, "the full mailing address"),
    attr("streetAddress", Str, "the street address"),
    attr("locality", Str, "the city or locality"),
    attr("region", Str, "the state or region"),
    attr("postalCode", Str, "the postal code"),
    attr("country", Str, "the country"),
    attr("type", Str, "'work', 'home' or 'other'"),
    attr("primary", Boolean, "whether this is the primary address"),
];
const GROUP_REF_SUBS: &[AttrDef] = &[
    attr("value", Str, "the id of the group").read_only(),
    attr("$ref", Reference, "the URI of the group").read_only(),
    attr("display", Str, "the group's displayName").read_only(),
    attr("type", Str, "'direct' or 'indirect'").read_only(),
];
const MEMBER_SUBS: &[AttrDef] = &[
    attr("value", Str, "the id of the member").immutable(),
    attr("$ref", Reference, "the URI of the member").immutable(),
    attr("display", Str, "the member's display name").read_only(),
    attr("type", Str, "'User' or 'Group'").immutable(),
];
const MANAGER_SUBS: &[AttrDef] = &[
    attr("value", Str, "the id of the manager"),
    attr("$ref", Reference, "the URI of the manager"),
    attr("displayName", Str, "the manager's display name").read_only(),
];
const META_SUBS: &[AttrDef] = &[
    attr("resourceType", Str, "the resource type")
        .exact()
        .read_only(),
    attr("created", DateTime, "when the resource was created").read_only(),
    attr(
        "lastModified",
        DateTime,
        "when the resource was last modified",
    )
    .read_only(),
    attr("location", Reference, "the URI of the resource")
        .exact()
        .read_only(),
    attr("version", Str, "the weak ETag of the resource")
        .exact()
        .read_only(),
];

/// Attributes common to every resource (RFC 7643 §3.1).
pub const COMMON_ATTRIBUTES: &[AttrDef] = &[
    attr(
        "id",
        Str,
        "unique identifier assigned by the service provider",
    )
    .exact()
    .read_only()
    .always()
    .unique(),
    attr(
        "externalId",
        Str,
        "identifier assigned by the provisioning client",
    )
    .exact(),
    attr("meta", Str, "resource metadata")
        .read_only()
        .subs(META_SUBS),
];

/// Core User attributes (RFC 7643 §4.1).
pub const USER_ATTRIBUTES: &[AttrDef] = &[
    attr(
        "userName",
        Str,
        "unique identifier for the user, case-insensitive",
    )
    .required()
    .unique(),
    attr("name", Str, "the components of the user's name").subs(NAME_SUBS),
    attr(
        "displayName",
        Str,
        "the name of the user, suitable for display",
    ),
    attr("nickName", Str, "the casual way to address the user"),
    attr(
        "profileUrl",
        Reference,
        "a URI to the user's online profile",
    ),
    attr("title", Str, "the user's title"),
    attr(
        "userType",
        Str,
        "the relationship between the organisation and the user",
    ),
    attr(
        "preferredLanguage",
        Str,
        "the user's preferred written or spoken language",
    ),
    attr("locale", Str, "the user's default location"),
    attr("timezone", Str, "the user's time zone"),
    attr("active", Boolean, "the user's administrative status"),
    attr(
        "password",
        Str,
        "the user's clear-text password; accepted, never stored",
    )
    .write_only_never(),
    attr("emails", Str, "email addresses")
        .multi()
        .subs(MULTI_STRING_SUBS),
    attr("phoneNumbers", Str, "phone numbers")
        .multi()
        .subs(MULTI_STRING_SUBS),
    attr("ims", Str, "instant messaging addresses")
        .multi()
        .subs(MULTI_STRING_SUBS),
    attr("photos", Str, "URLs of photos")
        .multi()
        .subs(MULTI_STRING_SUBS),
    attr("addresses", Str, "physical mailing addresses")
        .multi()
        .subs(ADDRESS_SUBS),
    attr(
        "groups",
        Str,
        "groups the user belongs to, derived from group membership",
    )
    .multi()
    .read_only()
    .subs(GROUP_REF_SUBS),
    attr("entitlements", Str, "entitlements")
        .multi()
        .subs(MULTI_STRING_SUBS),
    attr("roles", Str, "roles").multi().subs(MULTI_STRING_SUBS),
    attr("x509Certificates", Str, "certificates")
        .multi()
        .subs(MULTI_STRING_SUBS),
];

/// Enterprise User extension attributes (RFC 7643 §4.3).
pub const ENTERPRISE_USER_ATTRIBUTES: &[AttrDef] = &[
    attr("employeeNumber", Str, "the employee number"),
    attr("costCenter", Str, "the cost center"),
    attr("organization", Str, "the organisation"),
    attr("division", Str, "the division"),
    attr("department", Str, "the department"),
    attr("manager", Str, "the user's manager").subs(MANAGER_SUBS),
];

/// Core Group attributes (RFC 7643 §4.2).
pub const GROUP_ATTRIBUTES: &[AttrDef] = &[
    attr(
        "displayName",
        Str,
        "a human-readable name for the group, unique",
    )
    .required()
    .unique(),
    attr("members", Str, "the members of the group")
        .multi()
        .subs(MEMBER_SUBS),
];

/// The two resource types ScimLab serves. Serialised as its `meta.resourceType` name (`User`,
/// `Group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ResourceKind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
}

impl ResourceKind {
    /// The `meta.resourceType` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }
    /// The kind a `meta.resourceType` name stands for (exact spelling), `None` for another name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "User" => Some(Self::User),
            "Group" => Some(Self::Group),
            _ => None,
        }
    }
    /// The endpoint below the base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "/Users",
            Self::Group => "/Groups",
        }
    }
    /// The core schema URN.
    pub fn schema(self) -> &'static str {
        match self {
            Self::User => USER_SCHEMA,
            Self::Group => GROUP_SCHEMA,
        }
    }
    /// The core schema's own attributes (without the common ones).
    pub fn core_attributes(self) -> &'static [AttrDef] {
        match self {
            Self::User => USER_ATTRIBUTES,
            Self::Group => GROUP_ATTRIBUTES,
        }
    }
    /// Known extension schemas: (URN, attributes).
    pub fn extensions(self) -> &'static [(&'static str, &'static [AttrDef])] {
        match self {
            Self::User => &[(ENTERPRISE_USER_SCHEMA, ENTERPRISE_USER_ATTRIBUTES)],
            Self::Group => &[],
        }
    }

    /// Look up a top-level core (or common) attribute by case-insensitive name.
    pub fn core_attr(self, name: &str) -> Option<&'static AttrDef> {
        COMMON_ATTRIBUTES
            .iter()
            .chain(self.core_attributes())
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Look up an extension by case-insensitive URN; returns its canonical URN and attributes.
    pub fn extension(self, urn: &str) -> Option<(&'static str, &'static [AttrDef])> {
        self.extensions()
            .iter()
            .copied()
            .find(|(u, _)| u.eq_ignore_ascii_case(urn))
    }

    /// Look up an attribute: `urn` is `None` or the core schema for core attributes.
    pub fn attr(self, urn: Option<&str>, name: &str) -> Option<&'static AttrDef> {
        match urn {
            None => self.core_attr(name),
            Some(u) if u.eq_ignore_ascii_case(self.schema()) => self.core_attr(name),
            Some(u) => self
                .extension(u)?
                .1
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name)),
        }
    }
}

/// Split `urn:...:attr[.sub]` into (`urn`, `attr[.sub]`) when `path` starts with a known or
/// URN-looking schema prefix. Returns `None` when the path is not URN-qualified.
///
/// The URN is everything up to the last `:` before the attribute name, so
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` splits into
/// the enterprise URN and `manager.value`.
pub fn split_urn(path: &str) -> Option<(&str, &str)> {
    if !path.to_ascii_lowercase().starts_with("urn:") {
        return None;
    }
    // The attribute part cannot contain ':' — the last ':' separates URN and attribute.
    let idx = path.rfind(':')?;
    let (urn, rest) = (&path[..idx], &path[idx + 1..]);
    if rest.is_empty() {
        None
    } else {
        Some((urn, rest))
    }
}

/// Whether `urn` looks like a SCIM schema URN that names an extension object.
pub fn looks_like_schema_urn(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.starts_with("urn:") && lower.contains(":schemas:")
}

/// The `/Schemas` resource for one schema.
pub fn schema_resource(
    id: &str,
    name: &str,
    description: &str,
    attributes: &[AttrDef],
    base_url: &str,
) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes.iter().map(AttrDef::to_json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base_url}/Schemas/{id}")},
    })
}

/// Every schema ScimLab serves, as `/Schemas` resources.
pub fn all_schema_resources(base_url: &str) -> Vec<Value> {
    let user_attrs: Vec<AttrDef> = COMMON_ATTRIBUTES
        .iter()
        .chain(USER_ATTRIBUTES)
        .copied()
        .collect();
    let group_attrs: Vec<AttrDef> = COMMON_ATTRIBUTES
        .iter()
        .chain(GROUP_ATTRIBUTES)
        .copied()
        .collect();
    vec![
        schema_resource(USER_SCHEMA, "User", "User account", &user_attrs, base_url),
        schema_resource(
            ENTERPRISE_USER_SCHEMA,
            "EnterpriseUser",
            "Enterprise user extension",
            ENTERPRISE_USER_ATTRIBUTES,
            base_url,
        ),
        schema_resource(GROUP_SCHEMA, "Group", "Group", &group_attrs, base_url),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_case_insensitive() {
        assert_eq!(
            ResourceKind::User.core_attr("USERNAME").map(|a| a.name),
            Some("userName")
        );
        let a = ResourceKind::User.attr(Some(&ENTERPRISE_USER_SCHEMA.to_uppercase()), "MANAGER");
        assert_eq!(a.map(|a| a.name), Some("manager"));
        assert!(ResourceKind::Group.core_attr("userName").is_none());
    }

    #[test]
    fn split_urn_takes_the_last_colon() {
        let p = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
        assert_eq!(
            split_urn(p),
            Some((ENTERPRISE_USER_SCHEMA, "manager.value"))
        );
        assert_eq!(split_urn("name.givenName"), None);
    }

    #[test]
    fn password_is_never_returned() {
        let p = ResourceKind::User.core_attr("password").unwrap();
        assert_eq!(p.returned, Returned::Never);
    }
}
