//! scimlab-scim: the SCIM 2.0 protocol, pure and without I/O.
//!
//! This crate owns what a SCIM request *means*: the resource model and its schemas, the filter
//! language, PATCH semantics, the quirks real IdPs rely on, and the error every failure becomes.
//! It never touches a socket, a database or a clock it was not given, so everything here is
//! unit-tested beside the code and safe to fuzz. The engine (`scimlab-engine`) does the I/O.
#![warn(missing_docs)]

pub mod depth;
pub mod error;
pub mod filter;
pub mod limits;
pub mod names;
pub mod patch;
pub mod quirks;
pub mod resource;
pub mod schema;

pub use error::{Result, ScimError, ScimType};
pub use quirks::{Mode, Quirk, Quirks};
pub use schema::ResourceKind;
