//! Redaction: the only way header and body text reaches a stored exchange.
//!
//! Owns [`redact_headers`] (the `Authorization` value reduced to its scheme and the last four
//! characters of the credential; cookies and API-key style headers replaced) and [`redact_body`]
//! (every `password` value replaced, in JSON and in text that only looks like JSON, then cut at
//! the capture cap). The capture layer runs these *before* an exchange leaves the request, so
//! nothing secret reaches the database, the logs, the admin API or an export. Pure functions, no
//! I/O; the unit tests below assert that a secret never survives.

use crate::model::{AuthOutcome, AuthSummary};
use axum::http::HeaderMap;
use serde_json::Value;
use std::borrow::Cow;

pub use crate::model::REDACTED;

/// Credentials shorter than this (in characters) show none of their characters.
const MIN_CHARS_FOR_LAST4: usize = 12;

/// How deep JSON documents inside JSON strings are unpacked before a string that mentions a
/// password is replaced whole.
const MAX_NESTED_JSON: usize = 4;

/// Authorization schemes recognised by name, in their canonical spelling. A first word that is
/// not one of these is never shown: it could be (part of) the secret itself.
const KNOWN_SCHEMES: &[&str] = &[
    "Bearer",
    "Basic",
    "Digest",
    "Negotiate",
    "NTLM",
    "SSWS",
    "Token",
    "DPoP",
    "HOBA",
    "Mutual",
    "OAuth",
    "ApiKey",
    "AWS4-HMAC-SHA256",
];

/// Request headers in arrival order with secrets redacted, plus the summary of `Authorization`.
///
/// - `Authorization` becomes `<Scheme> …abcd`: the scheme (canonical spelling, e.g. `Bearer`)
///   and the last 4 characters of the credential; a key sent without a scheme becomes `…abcd`
///   with scheme `bare`. A credential shorter than 12 characters shows no characters (`Bearer …`),
///   and an unrecognised first word is not shown (`[unrecognised scheme] …abcd`, scheme
///   `other`). The summary describes the first `Authorization` header; `outcome` is
///   as given (`matched` when it is [`AuthOutcome::Matched`]). Without the header, scheme and last4 are `None`.
/// - Every other credential-looking header becomes `[redacted]` ([`is_secret_name`]): names
///   containing `auth` (`Proxy-Authorization`, `X-Forwarded-Authorization`,
///   `X-Original-Authorization`, `X-Auth-Token`), `token`, `key` (`X-Api-Key`), `secret`,
///   `password`/`passwd`/`pwd`, `cookie` (`Cookie`, `Set-Cookie`), `jwt`
///   (`Cf-Access-Jwt-Assertion`), `session`, `signature`, `credential`, `assertion`, `saml`,
///   `bearer` or `private`. Harmless names keep their value (`Connection: keep-alive`,
///   `Keep-Alive`, `User-Agent`, `X-Forwarded-For`, …).
/// - Other values are kept; non-UTF-8 bytes are replaced (lossy).
///
/// Order is the `HeaderMap`'s: arrival order, with repeated values of one name kept together.
pub fn redact_headers(
    headers: &HeaderMap,
    outcome: AuthOutcome,
) -> (Vec<(String, String)>, AuthSummary) {
    let mut out = Vec::with_capacity(headers.len());
    let mut summary = AuthSummary {
        scheme: None,
        last4: None,
        matched: outcome == AuthOutcome::Matched,
        outcome,
        workspace: None,
    };
    let mut summarised = false;
    for (name, value) in headers {
        let name = name.as_str();
        let raw = String::from_utf8_lossy(value.as_bytes());
        let shown = if name.eq_ignore_ascii_case("authorization") {
            let auth = Authorization::parse(&raw);
            if !summarised {
                summarised = true;
                summary.scheme = Some(auth.scheme.to_owned());
                summary.last4.clone_from(&auth.last4);
            }
            auth.display()
        } else if is_secret_header(name) {
            REDACTED.to_owned()
        } else {
            raw.into_owned()
        };
        out.push((name.to_owned(), shown));
    }
    (out, summary)
}

/// A body as text for storage: `(text, truncated)`, text `None` for an empty body.
///
/// Non-UTF-8 bytes are replaced (lossy) first. Then:
/// - **JSON**: every value whose key (any case, any depth) is `password`, ends with
///   `:password` (`urn:…:core:2.0:User:password`) or `.password`, becomes `"[redacted]"`
///   (`null` stays `null`, it hides nothing); so does any string or number under a key that
///   merely *contains* `password` (`oldPassword`). In an object whose `path` is `password` or
///   ends with `:password` (a PATCH operation), every `value` is redacted. Strings holding a JSON
///   document (Entra's JSON-in-a-string) are unpacked and redacted inside; other strings get the
///   text scan below. A body without anything to redact is kept byte for byte; otherwise it is
///   re-serialised (pretty when the original had line breaks).
/// - **Anything else** (malformed or truncated JSON, text): a hand-written scan replaces the
///   value after every `password` key followed by `:` or `=` — a quoted string (escapes
///   honoured, unterminated runs to the end), an escaped `\"…\"` string, a `'…'` string, or a
///   bare word up to `,` `}` `]` `&` or a line break — and every `value` in an object whose
///   `path` string ends in `password`.
///
/// Redaction runs on the whole body, before it is cut to `cap` bytes on a character boundary;
/// `truncated` says whether anything was cut.
pub fn redact_body(bytes: &[u8], cap: usize) -> (Option<String>, bool) {
    if bytes.is_empty() {
        return (None, false);
    }
    let text = String::from_utf8_lossy(bytes);
    let redacted = redact_text(&text, 0);
    let end = redacted.floor_char_boundary(cap);
    let truncated = end < redacted.len();
    (Some(redacted[..end].to_owned()), truncated)
}

/// A stored resource (before/after of a write) with every password value replaced.
pub fn redact_json(mut value: Value) -> Value {
    redact_value(&mut value, 0);
    value
}

/// A raw query string with the values of secret-looking parameters replaced (names and order
/// kept, the rest byte for byte): a login URL or a key pasted into the tenant URL. A parameter
/// is secret by the same rule as a header ([`is_secret_name`]: `token`, `access_token`,
/// `api_key`, `client_secret`, `password`, `X-Amz-Signature`, `sig`, `code`, …); the parameters
/// SCIM defines (`filter`, `startIndex`, `count`, `sortBy`, `sortOrder`, `attributes`,
/// `excludedAttributes`) and Entra's `aadOptscim062020` never are.
pub fn redact_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    query
        .split('&')
        .map(|part| {
            let (name, _) = part.split_once('=').unwrap_or((part, ""));
            let decoded: String = form_urlencoded::parse(name.as_bytes())
                .map(|(k, _)| k.into_owned())
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if part.contains('=') && is_secret_name(&decoded) {
                format!(
                    "{name}={}",
                    REDACTED.replace('[', "%5B").replace(']', "%5D")
                )
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

// ---------------------------------------------------------------------------------------------
// Headers

/// An `Authorization` value, reduced.
struct Authorization {
    /// Canonical scheme, `bare`, or `other`.
    scheme: &'static str,
    /// Last 4 characters of a long enough credential.
    last4: Option<String>,
    /// Whether there was a credential at all.
    has_credential: bool,
}

impl Authorization {
    fn parse(raw: &str) -> Self {
        let value = raw.trim();
        let (scheme, credential) = match value.split_once(char::is_whitespace) {
            Some((first, rest)) => (known_scheme(first).unwrap_or("other"), rest.trim()),
            // One word: a scheme with nothing after it, or a key without a scheme.
            None => match known_scheme(value) {
                Some(s) => (s, ""),
                None => ("bare", value),
            },
        };
        let chars = credential.chars().count();
        let last4 =
            (chars >= MIN_CHARS_FOR_LAST4).then(|| credential.chars().skip(chars - 4).collect());
        Self {
            scheme,
            last4,
            has_credential: !credential.is_empty(),
        }
    }

    fn display(&self) -> String {
        let hidden = match (&self.last4, self.has_credential) {
            (Some(l4), _) => format!("…{l4}"),
            (None, true) => "…".to_owned(),
            (None, false) => String::new(),
        };
        let scheme = match self.scheme {
            "bare" => "",
            "other" => "[unrecognised scheme]",
            s => s,
        };
        match (scheme.is_empty(), hidden.is_empty()) {
            (true, _) => hidden,
            (false, true) => scheme.to_owned(),
            (false, false) => format!("{scheme} {hidden}"),
        }
    }
}

fn known_scheme(word: &str) -> Option<&'static str> {
    KNOWN_SCHEMES
        .iter()
        .copied()
        .find(|s| s.eq_ignore_ascii_case(word))
}

/// Parts of a header or query parameter name that mark its value as a credential. Broad on
/// purpose: a harmless header shown as `[redacted]` costs a little evidence, a credential shown
/// in clear leaks it to everyone who sees the capture (or an export of it).
const SECRET_NAME_PARTS: &[&str] = &[
    "auth",
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "cookie",
    "jwt",
    "session",
    "signature",
    "credential",
    "assertion",
    "saml",
    "bearer",
    "private",
];

/// Whole names too short (or too common as parts) to search for inside other names.
const SECRET_NAMES: &[&str] = &["sig", "code", "pass", "sid", "otp"];

/// Whether a header or query parameter named `name` (any case) carries a credential.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    SECRET_NAMES.contains(&name.as_str()) || SECRET_NAME_PARTS.iter().any(|p| name.contains(p))
}

fn is_secret_header(name: &str) -> bool {
    is_secret_name(name)
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// Whether `haystack` contains ASCII `needle` (lowercase) in any case.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Text that cannot hold a password key: no `password` and no `\u` escape that could spell one.
fn cannot_hold_password(text: &str) -> bool {
    !contains_ci(text, "password") && !text.contains("\\u")
}

fn redact_text(text: &str, depth: usize) -> Cow<'_, str> {
    if cannot_hold_password(text) {
        return Cow::Borrowed(text);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            if !redact_value(&mut value, depth) {
                // Parsing keeps only the last of duplicate keys: `{"password":"x","password":null}`
                // parses to nothing secret while the text still holds "x". Scan the text too.
                return scan_text(text);
            }
            let out = if text.contains('\n') {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            // Serialising a `Value` cannot fail; should it, store nothing of the body.
            Cow::Owned(out.unwrap_or_else(|_| REDACTED.to_owned()))
        }
        Err(_) => scan_text(text),
    }
}

/// Key names whose value is always a password.
fn is_password_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    k == "password" || k.ends_with(":password") || k.ends_with(".password")
}

/// A PATCH path naming the password (`password`, `urn:…:User:password`).
fn is_password_path(path: &str) -> bool {
    let p = path.trim().to_ascii_lowercase();
    p == "password" || p.ends_with(":password")
}

/// Redact in place; whether anything changed.
fn redact_value(value: &mut Value, depth: usize) -> bool {
    match value {
        Value::Object(map) => {
            let password_op = map.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("path") && v.as_str().is_some_and(is_password_path)
            });
            let mut changed = false;
            for (key, v) in map.iter_mut() {
                let secret =
                    if is_password_key(key) || password_op && key.eq_ignore_ascii_case("value") {
                        !v.is_null()
                    } else {
                        contains_ci(key, "password") && (v.is_string() || v.is_number())
                    };
                if secret {
                    *v = Value::String(REDACTED.to_owned());
                    changed = true;
                } else {
                    changed |= redact_value(v, depth);
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| redact_value(item, depth) | changed),
        Value::String(s) => match redact_string(s, depth) {
            Some(new) => {
                *s = new;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// A JSON string value: unpack a JSON document inside it, or scan it as text.
fn redact_string(s: &str, depth: usize) -> Option<String> {
    if cannot_hold_password(s) {
        return None;
    }
    if depth >= MAX_NESTED_JSON {
        return contains_ci(s, "password").then(|| REDACTED.to_owned());
    }
    match redact_text(s, depth + 1) {
        Cow::Owned(new) => Some(new),
        Cow::Borrowed(_) => None,
    }
}

/// How far around a `password` key the scan looks for its enclosing object and `value`s. Keeps
/// the scan linear in the body: without it a body of many `"path":"password"` fragments costs
/// quadratic time (minutes for 1 MB, before the client even got its 401).
const SCAN_WINDOW: usize = 2048;
/// Past this many `password` occurrences the whole body is replaced: no legitimate request
/// carries so many, and scanning them all is work an attacker chooses.
const MAX_PASSWORD_HITS: usize = 256;

/// The hand-written scan for text that is not JSON (see [`redact_body`]).
fn scan_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    if find_ci(bytes, b"password").nth(MAX_PASSWORD_HITS).is_some() {
        return Cow::Owned(format!(
            "{REDACTED} (the body held more than {MAX_PASSWORD_HITS} 'password' keys; not stored)"
        ));
    }
    for at in find_ci(bytes, b"password") {
        let end = at + b"password".len();
        if let Some(span) = value_after_key(bytes, end) {
            spans.push(span);
        } else if is_password_path_value(bytes, at, end) {
            // Every `value` of the enclosing object (between the last `{` before and the first
            // `}` after; braces inside strings can only widen what is redacted).
            let floor = at.saturating_sub(SCAN_WINDOW);
            let from = bytes[floor..at]
                .iter()
                .rposition(|&b| b == b'{')
                .map_or(floor, |p| floor + p);
            let ceiling = (end + SCAN_WINDOW).min(bytes.len());
            let to = bytes[end..ceiling]
                .iter()
                .position(|&b| b == b'}')
                .map_or(ceiling, |p| end + p);
            for v in find_ci(&bytes[from..to], b"value") {
                if let Some(span) = value_after_key(bytes, from + v + b"value".len()) {
                    spans.push(span);
                }
            }
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, stop) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(stop),
            _ => merged.push((start, stop)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, stop) in merged {
        out.push_str(&text[copied..start]);
        out.push_str(REDACTED);
        copied = stop;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Start offsets of `needle` (lowercase ASCII) in `hay`, any case.
fn find_ci<'h>(hay: &'h [u8], needle: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| w.eq_ignore_ascii_case(needle))
        .map(|(i, _)| i)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// After a key ending at `end`: an optional closing quote (`"`, `'`, `\"`), `:` or `=`, and a
/// value. Returns the byte span of the value's content (quotes excluded), never empty.
fn value_after_key(bytes: &[u8], end: usize) -> Option<(usize, usize)> {
    let mut i = end;
    match bytes.get(i) {
        Some(b'"' | b'\'') => i += 1,
        Some(b'\\') if bytes.get(i + 1) == Some(&b'"') => i += 2,
        _ => {}
    }
    i = skip_ws(bytes, i);
    if !matches!(bytes.get(i), Some(b':' | b'=')) {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let span = value_span(bytes, i)?;
    (span.0 < span.1).then_some(span)
}

/// The content span of the value starting at `i`.
fn value_span(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let len = bytes.len();
    match *bytes.get(i)? {
        // `\"…\"`: a string inside a JSON string. `\\\"` inside is an escaped quote.
        b'\\' if bytes.get(i + 1) == Some(&b'"') => {
            let start = i + 2;
            let mut j = start;
            while j < len {
                if bytes[j] == b'\\' {
                    let run = bytes[j..].iter().take_while(|&&b| b == b'\\').count();
                    if run == 1 && bytes.get(j + 1) == Some(&b'"') {
                        return Some((start, j));
                    }
                    j += run + usize::from(bytes.get(j + run) == Some(&b'"'));
                } else {
                    j += 1;
                }
            }
            Some((start, len))
        }
        b'"' => {
            let start = i + 1;
            let mut j = start;
            while j < len {
                match bytes[j] {
                    b'\\' => j += 2,
                    b'"' => return Some((start, j)),
                    _ => j += 1,
                }
            }
            Some((start, len))
        }
        b'\'' => {
            let start = i + 1;
            let stop = bytes[start..]
                .iter()
                .position(|&b| b == b'\'')
                .map_or(len, |p| start + p);
            Some((start, stop))
        }
        b'n' | b'N' if bytes[i..].len() >= 4 && bytes[i..i + 4].eq_ignore_ascii_case(b"null") => {
            let after = bytes.get(i + 4);
            if after.is_none_or(|&b| matches!(b, b',' | b'}' | b']' | b'&' | b'\r' | b'\n' | b' '))
            {
                None
            } else {
                Some(bare_span(bytes, i))
            }
        }
        b'{' | b'[' => {
            // A structured password value: up to the matching bracket, or the end.
            let mut depth = 0usize;
            for (j, &b) in bytes.iter().enumerate().skip(i) {
                match b {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((i, j + 1));
                        }
                    }
                    _ => {}
                }
            }
            Some((i, len))
        }
        _ => Some(bare_span(bytes, i)),
    }
}

/// A bare value: up to `,` `}` `]` `&` or a line break (spaces included, so a password with
/// spaces is not half shown).
fn bare_span(bytes: &[u8], i: usize) -> (usize, usize) {
    let stop = bytes[i..]
        .iter()
        .position(|b| matches!(b, b',' | b'}' | b']' | b'&' | b'\r' | b'\n'))
        .map_or(bytes.len(), |p| i + p);
    (i, stop)
}

/// Whether `password` at `at..end` ends the string value of a `path` key:
/// `"path": "password"` or `"path":"urn:…:User:password"` (also with `\"` quotes).
fn is_password_path_value(bytes: &[u8], at: usize, end: usize) -> bool {
    let closes = match bytes.get(end) {
        Some(b'"') => true,
        Some(b'\\') => bytes.get(end + 1) == Some(&b'"'),
        _ => false,
    };
    if !closes {
        return false;
    }
    // Back over a `urn:…:` prefix to the opening quote.
    let mut i = at;
    if i > 0 && bytes[i - 1] == b':' {
        while i > 0 && bytes[i - 1] != b'"' && at - i < 256 {
            i -= 1;
        }
    }
    if i == 0 || bytes[i - 1] != b'"' {
        return false;
    }
    let mut j = i - 1;
    if j > 0 && bytes[j - 1] == b'\\' {
        j -= 1;
    }
    while j > 0 && bytes[j - 1].is_ascii_whitespace() {
        j -= 1;
    }
    if j == 0 || bytes[j - 1] != b':' {
        return false;
    }
    j -= 1;
    while j > 0 && bytes[j - 1].is_ascii_whitespace() {
        j -= 1;
    }
    if j == 0 || bytes[j - 1] != b'"' {
        return false;
    }
    j -= 1;
    if j > 0 && bytes[j - 1] == b'\\' {
        j -= 1;
    }
    j >= 4 && bytes[j - 4..j].eq_ignore_ascii_case(b"path")
}

#[cfg(test)]
mod tests;
