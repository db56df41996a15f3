//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): AST, parser, evaluator.
//!
//! A filter is parsed once at the edge into [`Filter`] and evaluated against resources held as
//! `serde_json::Value`. The parser is tolerant of what IdPs send (unquoted values, string
//! booleans, case-insensitive operators and attribute names) and records each deviation in a
//! [`Quirks`] collector; in strict mode the deviations the RFC forbids are `invalidFilter` errors.
//! Attribute types come from [`crate::schema`], so booleans, dates and case-exactness compare by
//! type. The engine may push simple filters down to SQL by inspecting the AST; anything it cannot
//! push down is evaluated here.

mod eval;
mod lexer;
mod parser;

pub use parser::{parse_attr_path, parse_filter, parse_patch_path};

use crate::error::Result;
use crate::quirks::Quirks;
use crate::schema::ResourceKind;
use serde_json::Value;

/// An attribute path: optional schema URN, attribute name, optional sub-attribute.
/// Names are kept as written; comparisons against schemas are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Schema URN prefix, e.g. the enterprise extension; `None` for core attributes.
    pub urn: Option<String>,
    /// Attribute name, e.g. `emails`.
    pub name: String,
    /// Sub-attribute name, e.g. `value` in `emails.value`.
    pub sub: Option<String>,
}

impl AttrPath {
    /// A core attribute path without sub-attribute.
    pub fn simple(name: &str) -> Self {
        Self {
            urn: None,
            name: name.to_owned(),
            sub: None,
        }
    }
}

impl std::fmt::Display for AttrPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Comparison operators (case-insensitive on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A comparison value (`compValue` in the RFC ABNF).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// A JSON string (also what unquoted values become, unless they read as true/false/null/number).
    Str(String),
    /// `true` / `false` (also `"True"`/`"False"` strings compared against a boolean attribute).
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// `null`.
    Null,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a and b`
    And(Box<Filter>, Box<Filter>),
    /// `a or b`
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`
    Not(Box<Filter>),
    /// `attr pr`
    Present(AttrPath),
    /// `attr op value`
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value compared against.
        value: CompValue,
    },
    /// `attr[filter]`: true when some element of the (multi-valued) attribute matches `filter`,
    /// whose paths are relative to the element. `emails[type eq "work"].value eq "x"` (which
    /// Microsoft documents for email matching) parses as `emails[type eq "work" and value eq "x"]`.
    ValuePath {
        /// The multi-valued (or complex) attribute, without sub-attribute.
        path: AttrPath,
        /// The filter applied to each element.
        filter: Box<Filter>,
    },
}

/// A PATCH operation path (RFC 7644 §3.5.2 `PATH = attrPath / valuePath [subAttr]`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (and, for `name.givenName` style paths, its sub-attribute).
    pub attr: AttrPath,
    /// The value filter of `emails[type eq "work"]`, if any.
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter, e.g. `value` in `emails[type eq "work"].value`.
    pub sub_after_filter: Option<String>,
}

impl Filter {
    /// Parse `input` for resources of `kind`, recording quirks (see [`parse_filter`]).
    pub fn parse(input: &str, kind: ResourceKind, quirks: &mut Quirks) -> Result<Self> {
        parse_filter(input, kind, quirks)
    }

    /// Whether `resource` (a full SCIM resource object) matches this filter.
    pub fn matches(&self, resource: &Value, kind: ResourceKind) -> bool {
        eval::matches(self, resource, kind)
    }

    /// Whether one element of a multi-valued attribute `parent` matches this (relative) filter.
    pub fn matches_element(&self, element: &Value, kind: ResourceKind, parent: &AttrPath) -> bool {
        eval::matches_element(self, element, kind, parent)
    }
}
