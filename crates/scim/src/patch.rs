//! PATCH (RFC 7644 §3.5.2) applied to a resource held as a JSON object.
//!
//! SKELETON — the PATCH helper owns this file and replaces this header with the real one.

use crate::error::Result;
use crate::filter::PatchPath;
use crate::quirks::Quirks;
use crate::schema::ResourceKind;
use serde_json::{Map, Value};

/// The three PATCH operations (case-insensitive on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

/// One parsed PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: OpKind,
    /// The target path; `None` for path-less operations.
    pub path: Option<PatchPath>,
    /// The value, when sent.
    pub value: Option<Value>,
}

/// Parse a PatchOp request body (`schemas` + `Operations`) into operations, recording quirks.
pub fn parse_patch(body: &Value, kind: ResourceKind, quirks: &mut Quirks) -> Result<Vec<PatchOperation>> {
    let _ = (body, kind, quirks);
    Ok(Vec::new())
}

/// Apply `ops` in order to `resource` (a full stored resource, including `id`, `schemas`, and for
/// groups `members`), recording quirks. On error `resource` may be partly modified: callers apply
/// to a copy and discard it on failure (all-or-nothing per RFC 7644 §3.5.2).
pub fn apply_patch(
    resource: &mut Map<String, Value>,
    ops: &[PatchOperation],
    kind: ResourceKind,
    quirks: &mut Quirks,
) -> Result<()> {
    let _ = (resource, ops, kind, quirks);
    Ok(())
}
