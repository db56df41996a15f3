//! Extractors: the JSON body (size limit, content type, parse errors as SCIM errors) and the
//! list query parameters (`filter`, `startIndex`, `count`, `sortBy`, `sortOrder`, `attributes`,
//! `excludedAttributes`), read from the raw query so unknown parameters and `+`-encoding can be
//! recorded rather than silently lost.

use super::ScimState;
use super::context::RequestCtx;
use super::response::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use scimlab_scim::filter::{AttrPath, parse_attr_path};
use scimlab_scim::{Quirk, ScimError};
use serde_json::Value;

/// A request body parsed as JSON. Too large → 413; not JSON → 400 `invalidSyntax`.
pub struct ScimBody(pub Value);

impl FromRequest<ScimState> for ScimBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &ScimState) -> Result<Self, Self::Rejection> {
        let limit = state.body_limit;
        let too_large = || {
            ApiError(ScimError::new(
                413,
                None,
                format!(
                    "request body is larger than the {limit}-byte limit: send a smaller body or raise --body-limit"
                ),
            ))
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if let Some(ctx) = req.extensions().get::<RequestCtx>() {
            if content_type.starts_with("application/json") {
                ctx.note_all(&[Quirk::ApplicationJson]);
            } else if !content_type.starts_with("application/scim+json") {
                let shown = if content_type.is_empty() {
                    "none".to_owned()
                } else {
                    content_type.clone()
                };
                ctx.with_quirks(|q| {
                    q.tolerate(Quirk::OtherContentType, || {
                        ScimError::new(
                            415,
                            None,
                            format!("content type '{shown}' is not supported (strict mode): send application/scim+json"),
                        )
                    })
                })
                .map_err(ApiError)?;
            }
        }
        let bytes = match axum::body::to_bytes(req.into_body(), limit).await {
            Ok(b) => b,
            Err(e) => {
                let is_limit = std::error::Error::source(&e)
                    .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                    || e.to_string().to_ascii_lowercase().contains("length limit");
                return Err(if is_limit {
                    too_large()
                } else {
                    ApiError(ScimError::invalid_syntax(format!(
                        "could not read the request body: {e}"
                    )))
                });
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError(ScimError::invalid_syntax(
                "the request body is empty: send a json object",
            )));
        }
        serde_json::from_slice(&bytes).map(ScimBody).map_err(|e| {
            // Deeper than serde_json's recursion limit (128): the same answer as a resource
            // past the nesting limit, not "invalid json".
            if e.to_string().contains("recursion limit exceeded") {
                let limit = scimlab_scim::depth::MAX_DEPTH;
                return ApiError(ScimError::invalid_value(format!(
                    "the request body nests json more than {limit} levels deep (past the parser's own limit of 128, {e}): the limit is {limit} levels of objects and arrays; flatten it"
                )));
            }
            ApiError(ScimError::invalid_syntax(format!(
                "the request body is not valid json ({e}): send a json object"
            )))
        })
    }
}

/// Parsed list parameters, shared by `GET` lists and `POST .search`.
#[derive(Debug, Default, Clone)]
pub struct ListParams {
    /// Raw filter text.
    pub filter: Option<String>,
    /// 1-based start index (values below 1 are treated as 1; huge values clamped, never an
    /// error: see [`parse_clamped_int`]).
    pub start_index: Option<i64>,
    /// Requested page size (negative treated as 0, above the maximum treated as the maximum).
    pub count: Option<i64>,
    /// Attribute to sort by.
    pub sort_by: Option<AttrPath>,
    /// `descending` when true.
    pub descending: bool,
    /// `attributes`.
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes`.
    pub excluded: Vec<AttrPath>,
}

/// The query parameters of a single-resource request (`attributes`, `excludedAttributes`).
#[derive(Debug, Default, Clone)]
pub struct Projection {
    /// `attributes`.
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes`.
    pub excluded: Vec<AttrPath>,
}

/// Read `startIndex` / `count`: an integer, clamped rather than refused when it does not fit
/// (`99999999999999999999` → `i64::MAX`, `-99999999999999999999` → `i64::MIN`, `1e999` →
/// `i64::MAX`) or is written in another notation (`1e9` → 1000000000, `2.0` → 2). The list
/// then clamps to its own range (`startIndex` ≥ 1, `0 ≤ count ≤ 1000`). Only what is no whole
/// number (`ten`, `1.5`) is `400 invalidValue`.
pub fn parse_clamped_int(name: &str, v: &str) -> Result<i64, ScimError> {
    let t = v.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    let numeric = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    match t.parse::<f64>() {
        // `as` saturates: ±1e20 and ±inf (1e999) become i64::MAX / i64::MIN.
        #[allow(clippy::cast_possible_truncation)]
        Ok(f) if numeric && (f.is_infinite() || f.fract() == 0.0) => Ok(f as i64),
        _ => Err(ScimError::invalid_value(format!(
            "{name}='{v}' is not an integer: send a whole number"
        ))),
    }
}

/// Parse a comma-separated attribute list.
pub fn parse_attr_list(name: &str, v: &str) -> Result<Vec<AttrPath>, ScimError> {
    scimlab_scim::limits::check_attribute_list(name, v)?;
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse_attr_path(s)
                .map_err(|e| ScimError::invalid_value(format!("{name}: {}", e.detail)))
        })
        .collect()
}

/// Parse a `sortOrder` value.
pub fn parse_sort_order(v: &str) -> Result<bool, ScimError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "ascending" | "" => Ok(false),
        "descending" => Ok(true),
        _ => Err(ScimError::invalid_value(format!(
            "sortOrder='{v}' is not supported: use ascending or descending"
        ))),
    }
}

impl ListParams {
    /// Parse from a raw query string (unknown parameters are recorded by [`query_quirks`]).
    pub fn from_query(raw: &str) -> Result<Self, ScimError> {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match k.to_ascii_lowercase().as_str() {
                "filter" => p.filter = Some(v.into_owned()),
                "startindex" => p.start_index = Some(parse_clamped_int("startIndex", &v)?),
                "count" => p.count = Some(parse_clamped_int("count", &v)?),
                "sortby" => {
                    p.sort_by =
                        Some(parse_attr_path(v.trim()).map_err(|e| {
                            ScimError::invalid_value(format!("sortBy: {}", e.detail))
                        })?);
                }
                "sortorder" => p.descending = parse_sort_order(&v)?,
                "attributes" => p.attributes = parse_attr_list("attributes", &v)?,
                "excludedattributes" => p.excluded = parse_attr_list("excludedAttributes", &v)?,
                _ => {}
            }
        }
        Ok(p)
    }
}

/// The query parameters RFC 7644 defines (compared case-insensitively).
const KNOWN_PARAMETERS: [&str; 7] = [
    "filter",
    "startindex",
    "count",
    "sortby",
    "sortorder",
    "attributes",
    "excludedattributes",
];

/// Quirks visible in a raw query string, on any route: Entra's `aadOptscim062020` flag, other
/// parameters SCIM does not define (ignored), and a filter with `+` for spaces.
pub fn query_quirks(raw: &str) -> Vec<Quirk> {
    let mut quirks = Vec::new();
    for (name, _) in form_urlencoded::parse(raw.as_bytes()) {
        let lower = name.to_ascii_lowercase();
        if lower == "aadoptscim062020" {
            quirks.push(Quirk::AadOptFlag);
        } else if !KNOWN_PARAMETERS.contains(&lower.as_str()) {
            quirks.push(Quirk::UnknownQueryParameter);
        }
    }
    if raw
        .split('&')
        .any(|part| part.to_ascii_lowercase().starts_with("filter=") && part.contains('+'))
    {
        quirks.push(Quirk::PlusEncodedFilter);
    }
    quirks
}

/// The raw query string of a request (empty when none).
pub struct RawQuery(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RawQuery {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.uri.query().unwrap_or("").to_owned()))
    }
}

impl Projection {
    /// Parse `attributes`/`excludedAttributes` from a raw query; other parameters are ignored.
    pub fn from_query(raw: &str) -> Result<Self, ScimError> {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match k.to_ascii_lowercase().as_str() {
                "attributes" => p.attributes = parse_attr_list("attributes", &v)?,
                "excludedattributes" => p.excluded = parse_attr_list("excludedAttributes", &v)?,
                _ => {}
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11 §7: huge and odd paging values are clamped, not errors.
    #[test]
    fn paging_values_are_clamped_not_refused() {
        for (raw, want) in [
            ("5", 5),
            (" 7 ", 7),
            ("-5", -5),
            ("99999999999999999999", i64::MAX),
            ("-99999999999999999999", i64::MIN),
            ("1e9", 1_000_000_000),
            ("1E999", i64::MAX),
            ("2.0", 2),
            ("99999999999999999999.5", i64::MAX),
            ("+3", 3),
        ] {
            assert_eq!(parse_clamped_int("count", raw).unwrap(), want, "{raw}");
        }
        for raw in [
            "", "abc", "NaN", "inf", "infinity", "1e", "0x10", "--1", "1.5", "1e-5",
        ] {
            let e = parse_clamped_int("count", raw).unwrap_err();
            assert!(e.detail.contains("count="), "{raw}: {}", e.detail);
        }
        let p = ListParams::from_query("startIndex=99999999999999999999&count=1e9").unwrap();
        assert_eq!(
            (p.start_index, p.count),
            (Some(i64::MAX), Some(1_000_000_000))
        );
    }
}
