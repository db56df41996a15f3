//! Compact evidence: how the heavy parts of a captured exchange are kept on disk.
//!
//! Owns the encoding of `exchanges.evidence` (migration 0013): the request and response bodies
//! and headers, the resource before and after the write, what the Authorization header held and
//! why the IdP was recognised, framed one after the other and deflated as **one** stream. One
//! stream, not a column each, because the parts repeat each other: a create's or a PATCH's
//! answer is its `after`, `after` is `before` with a field or two changed, and every request
//! carries the same headers. Deflate's back-references (a 32 KiB window) store each repetition
//! as a few bytes, which is most of what a diff of `before`/`after` or a reference from the
//! response body to `after` would save, without their exactness caveats (key order, `null` in a
//! merge patch). Measured on an Entra run (docs/benchmarks.md, "Stored size of an exchange"):
//! the parts are 2.2 KB of text and 0.5 KB deflated together, against 1.3 KB deflated one by
//! one; a table of header sets would save about 95 B more an exchange and was not needed.
//!
//! Rows written before migration 0013 keep their plain columns and `evidence IS NULL`; rows
//! written since hold `evidence` (its first byte names the format, [`FORMAT_DEFLATE`]) and
//! leave those columns empty. [`super::exchanges`] reads both; nothing is rewritten.
//!
//! Must not: redact (rows arrive redacted from `capture::redact`, before they are encoded here),
//! run SQL, or change what a reader gets back: decoding gives the exact text that was encoded.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::cell::RefCell;

/// The first byte of an `evidence` blob: the framed parts as one raw deflate stream.
pub(crate) const FORMAT_DEFLATE: u8 = 1;

/// The first byte of an `evidence` blob: the framed parts as they are (never written unless
/// deflating failed; read like the other).
const FORMAT_STORED: u8 = 0;

/// Deflate level 1 (fastest): measured on a captured Entra PATCH (3.2 KB of parts), 818 bytes in
/// 16 µs against level 6's 747 bytes in 27 µs; the capture writer encodes every exchange.
const LEVEL: u32 = 1;

thread_local! {
    /// One deflate state per thread, reset for each exchange: a fresh one costs more to set up
    /// (its tables are hundreds of KiB) than compressing a 3 KB exchange does (90 µs against
    /// 16 µs). Thread-local, not shared: encoding never waits for another thread.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(LEVEL), false));
    /// The same for inflating (a text search decodes every row it walks).
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// The largest decoded size accepted (a body is capped far lower at capture: this only stops a
/// damaged or crafted blob from inflating without bound).
const MAX_DECODED: u64 = 256 * 1024 * 1024;

/// The parts of an exchange [`encode`] keeps, each as the text its plain column holds (headers,
/// `auth`, `before` and `after` as JSON text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parts {
    /// `request_body`.
    pub(crate) request_body: Option<String>,
    /// `response_body`.
    pub(crate) response_body: Option<String>,
    /// `request_headers` (JSON array of `[name, value]`).
    pub(crate) request_headers: String,
    /// `response_headers`.
    pub(crate) response_headers: String,
    /// `before` (JSON).
    pub(crate) before: Option<String>,
    /// `after` (JSON).
    pub(crate) after: Option<String>,
    /// `auth` (JSON `AuthSummary`).
    pub(crate) auth: String,
    /// `idp_reason`.
    pub(crate) idp_reason: String,
}

impl Parts {
    /// The parts in their framing order; bodies first (what a text search reads).
    fn fields(&self) -> [Option<&str>; 8] {
        [
            self.request_body.as_deref(),
            self.response_body.as_deref(),
            Some(&self.request_headers),
            Some(&self.response_headers),
            self.before.as_deref(),
            self.after.as_deref(),
            Some(&self.auth),
            Some(&self.idp_reason),
        ]
    }
}

/// Encode `parts` as an `evidence` blob: [`FORMAT_DEFLATE`], then one raw deflate stream of
/// every part, each framed as a LEB128 length plus one (0: absent) and its bytes.
pub(crate) fn encode(parts: &Parts) -> Vec<u8> {
    let fields = parts.fields();
    let plain: usize = fields.iter().flatten().map(|f| f.len() + 3).sum();
    let mut framed = Vec::with_capacity(plain);
    for field in fields {
        match field {
            None => framed.push(0),
            Some(text) => {
                put_len(&mut framed, text.len() as u64 + 1);
                framed.extend_from_slice(text.as_bytes());
            }
        }
    }
    let mut out = Vec::with_capacity(plain / 3 + 64);
    out.push(FORMAT_DEFLATE);
    DEFLATE.with_borrow_mut(|z| {
        z.reset();
        loop {
            let read = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
            out.reserve(plain / 4 + 64);
            match z.compress_vec(
                framed.get(read..).unwrap_or_default(),
                &mut out,
                FlushCompress::Finish,
            ) {
                Ok(Status::StreamEnd) => break,
                Ok(_) => {}
                // Deflating into a Vec has no failure mode; should one appear, the state is
                // fresh again for the next exchange and this one is stored uncompressed.
                Err(_) => {
                    z.reset();
                    out.clear();
                    out.push(FORMAT_STORED);
                    out.extend_from_slice(&framed);
                    break;
                }
            }
        }
    });
    out
}

/// Decode an `evidence` blob into the exact parts [`encode`] was given. The error says what is
/// wrong with the blob, in words (the caller names the exchange).
pub(crate) fn decode(blob: &[u8]) -> Result<Parts, String> {
    let (&format, stream) = blob
        .split_first()
        .ok_or_else(|| "its evidence is empty".to_owned())?;
    let framed = match format {
        FORMAT_DEFLATE => inflate(stream)?,
        FORMAT_STORED => stream.to_vec(),
        _ => {
            return Err(format!(
                "its evidence is in format {format}, which this scimlab does not read (a newer scimlab wrote it)"
            ));
        }
    };
    let mut rest = framed.as_slice();
    let mut next = |name: &str| -> Result<Option<String>, String> {
        let len = take_len(&mut rest).ok_or_else(|| format!("its evidence ends before {name}"))?;
        if len == 0 {
            return Ok(None);
        }
        let len = usize::try_from(len - 1)
            .ok()
            .filter(|l| *l <= rest.len())
            .ok_or_else(|| format!("its evidence ends inside {name}"))?;
        let (text, tail) = rest.split_at(len);
        rest = tail;
        String::from_utf8(text.to_vec())
            .map(Some)
            .map_err(|_| format!("its evidence holds {name} that is not utf-8"))
    };
    Ok(Parts {
        request_body: next("the request body")?,
        response_body: next("the response body")?,
        request_headers: next("the request headers")?.unwrap_or_default(),
        response_headers: next("the response headers")?.unwrap_or_default(),
        before: next("the resource before")?,
        after: next("the resource after")?,
        auth: next("the authorization summary")?.unwrap_or_default(),
        idp_reason: next("the idp reason")?.unwrap_or_default(),
    })
}

/// Inflate one raw deflate stream, whole (at most [`MAX_DECODED`] bytes).
fn inflate(stream: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(stream.len() * 4 + 64);
    INFLATE.with_borrow_mut(|z| {
        z.reset(false);
        loop {
            let (read, wrote) = (z.total_in(), z.total_out());
            out.reserve(stream.len() * 2 + 1024);
            let rest = stream
                .get(usize::try_from(read).unwrap_or(usize::MAX)..)
                .unwrap_or_default();
            let status = z
                .decompress_vec(rest, &mut out, FlushDecompress::None)
                .map_err(|e| {
                    format!(
                        "its evidence does not inflate ({e}): the file was changed outside scimlab"
                    )
                })?;
            if status == Status::StreamEnd {
                return Ok(());
            }
            if out.len() as u64 > MAX_DECODED {
                return Err("its evidence inflates past 256 MiB".to_owned());
            }
            // No progress with room to write: the stream is cut short.
            if z.total_in() == read && z.total_out() == wrote {
                return Err(
                    "its evidence stops before its end: the file was changed outside scimlab"
                        .to_owned(),
                );
            }
        }
    })?;
    Ok(out)
}

/// Append `n` as unsigned LEB128.
fn put_len(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Read an unsigned LEB128 number off the front of `input`.
fn take_len(input: &mut &[u8]) -> Option<u64> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, tail) = input.split_first()?;
        *input = tail;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

/// Whether `needle` occurs in `hay`, ignoring ASCII case: SQLite's `instr(lower(hay),
/// lower(needle)) > 0` (its `lower` folds ASCII only), which the plain rows are searched with.
pub(crate) fn contains_ascii_folded(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.len() > hay.len() {
        return false;
    }
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Parts {
        let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"386849b6","userName":"annie.allen1@contoso.example","active":true,"meta":{"resourceType":"User","version":"W/\"1\""}}"#;
        Parts {
            request_body: Some(
                r#"{"userName":"annie.allen1@contoso.example","active":true}"#.into(),
            ),
            response_body: Some(user.into()),
            request_headers:
                r#"[["accept","application/scim+json"],["authorization","Bearer …XKzM"]]"#.into(),
            response_headers: r#"[["content-type","application/scim+json"],["etag","W/\"1\""]]"#
                .into(),
            before: None,
            after: Some(user.into()),
            auth: r#"{"scheme":"Bearer","last4":"XKzM","matched":true}"#.into(),
            idp_reason: "user-agent says 'Microsoft.AAD'".into(),
        }
    }

    #[test]
    fn every_part_round_trips_exactly() {
        let parts = sample();
        let blob = encode(&parts);
        assert_eq!(blob[0], FORMAT_DEFLATE);
        assert!(
            blob.len()
                < parts
                    .fields()
                    .iter()
                    .flatten()
                    .map(|f| f.len())
                    .sum::<usize>()
        );
        assert_eq!(decode(&blob).unwrap(), parts);
        // Absent and empty are told apart; unicode and long parts survive.
        let odd = Parts {
            request_body: Some(String::new()),
            response_body: None,
            before: Some("ß→✓ \u{0}".repeat(5000)),
            ..Parts::default()
        };
        assert_eq!(decode(&encode(&odd)).unwrap(), odd);
        // Text that does not compress (more output than one buffer's worth, several calls).
        let mut x: u64 = 7;
        let noise: String = (0..200_000)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'!' + ((x >> 33) % 90) as u8)
            })
            .collect();
        let noisy = Parts {
            response_body: Some(noise),
            ..sample()
        };
        assert_eq!(decode(&encode(&noisy)).unwrap(), noisy);
    }

    #[test]
    fn lengths_are_leb128() {
        for n in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_len(&mut out, n);
            let mut slice = out.as_slice();
            assert_eq!(take_len(&mut slice), Some(n));
            assert!(slice.is_empty());
        }
    }

    #[test]
    fn damaged_or_unknown_blobs_say_what_is_wrong() {
        assert!(decode(&[]).unwrap_err().contains("empty"));
        assert!(decode(&[9, 1, 2]).unwrap_err().contains("format 9"));
        assert!(decode(&[FORMAT_DEFLATE, 0xff, 0xff]).is_err());
        let mut cut = encode(&sample());
        cut.truncate(cut.len() / 2);
        assert!(decode(&cut).unwrap_err().contains("stops before its end"));
        // The uncompressed fallback reads back too.
        let mut stored = vec![FORMAT_STORED];
        stored.extend_from_slice(&[0, 0, 1, 3, b'{', b'}', 0, 0, 1, 1]);
        let parts = decode(&stored).unwrap();
        assert_eq!(parts.request_headers, "");
        assert_eq!(parts.response_headers, "{}");
        assert_eq!(parts.auth, "");
    }

    #[test]
    fn folded_search_matches_sqlite_lower() {
        assert!(contains_ascii_folded("Hello WORLD", "o wo"));
        assert!(contains_ascii_folded("anything", ""));
        assert!(!contains_ascii_folded("short", "longer than short"));
        // SQLite's lower() folds ASCII only: 'É' does not match 'é'.
        assert!(!contains_ascii_folded("CAFÉ", "café"));
        assert!(contains_ascii_folded("CAFé", "café"));
    }
}
