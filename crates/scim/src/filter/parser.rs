//! SKELETON — the filter helper owns this file.
use super::{AttrPath, Filter, PatchPath};
use crate::error::{Result, ScimError};
use crate::quirks::Quirks;
use crate::schema::ResourceKind;

/// Parse a filter expression.
pub fn parse_filter(input: &str, kind: ResourceKind, quirks: &mut Quirks) -> Result<Filter> {
    let _ = (kind, quirks);
    Err(ScimError::invalid_filter(format!("invalid filter '{input}': parser not written yet")))
}

/// Parse a PATCH path.
pub fn parse_patch_path(input: &str, kind: ResourceKind, quirks: &mut Quirks) -> Result<PatchPath> {
    let _ = (kind, quirks);
    Err(ScimError::invalid_path(format!("invalid path '{input}': parser not written yet")))
}

/// Parse an attribute path as used by `attributes`, `excludedAttributes` and `sortBy`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath> {
    Err(ScimError::invalid_syntax(format!("invalid attribute path '{input}': parser not written yet")))
}
