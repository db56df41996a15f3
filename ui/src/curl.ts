//! "Copy as curl" for a captured exchange: rebuilds the request an IdP sent as a shell command
//! an admin can replay against ScimLab (or their own app). Owned by the Traffic screen. The key
//! never appears: Authorization becomes `Bearer $SCIM_KEY` so the command is safe to paste into
//! a ticket.
//!
//! Everything captured is hostile text (anyone can send anything to a tunnelled port), so every
//! part copied from it — the method, the URL, each header, the body — is quoted for POSIX shells
//! (`'…'`), and what would act on a terminal even inside quotes (control characters such as
//! ESC, which can end a bracketed paste, or Ctrl-C/Ctrl-U, which a line editor obeys when
//! pasted text is typed) is never copied raw: it is produced by `printf` with octal escapes.
//! The pasted command does exactly what it shows: run curl with these arguments.

/** Headers curl sets itself, or that only make sense hop by hop / on the original connection. */
const SKIP = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "accept-encoding",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "cf-connecting-ip",
  "cf-ray",
  "cdn-loop",
]);

/** Control characters (C0 but the line feed, DEL, C1) and the bidi/line controls a terminal or
 * an editor may act on: never copied raw. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** `"$(printf '\ooo…')"`: the UTF-8 bytes of `run` as octal escapes, produced at run time. */
function printfOf(run: string): string {
  const bytes = new TextEncoder().encode(run);
  let escaped = "";
  for (const b of bytes) escaped += `\\${b.toString(8).padStart(3, "0")}`;
  return `"$(printf '${escaped}')"`;
}

/** Quote `s` for a POSIX shell as one word: `'…'`, with each `'` written as `'\''`, and any
 * control character produced by `printf` instead of pasted raw (see the module doc). */
export function shellQuote(s: string): string {
  if (!UNSAFE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = "";
  let plain = "";
  let unsafe = "";
  const flushPlain = () => {
    if (plain) out += `'${plain.replace(/'/g, `'\\''`)}'`;
    plain = "";
  };
  const flushUnsafe = () => {
    if (unsafe) out += printfOf(unsafe);
    unsafe = "";
  };
  for (const ch of s) {
    if (UNSAFE.test(ch)) {
      flushPlain();
      unsafe += ch;
    } else {
      flushUnsafe();
      plain += ch;
    }
  }
  flushPlain();
  flushUnsafe();
  return out;
}

/** An HTTP header name (RFC 9110 token): anything else is not replayed (curl reads `-H @file`). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The origin of the tenant URL (`http://127.0.0.1:8787`), or "" when it does not parse. */
export function originOf(tenantUrl: string): string {
  try {
    return new URL(tenantUrl).origin;
  } catch {
    return "";
  }
}

export interface CurlInput {
  method: string;
  path: string;
  query: string;
  requestHeaders: Array<[string, string]>;
  requestBody: string | null;
  requestTruncated?: boolean;
}

/** The curl command for `ex`, sent to `origin` (e.g. `http://127.0.0.1:8787`). Every captured
 * part is quoted, the method included (as captured: methods are case-sensitive). */
export function buildCurl(ex: CurlInput, origin: string): string {
  const q = ex.query ? (ex.query.startsWith("?") ? ex.query : `?${ex.query}`) : "";
  const url = `${origin}${ex.path}${q}`;
  const parts: string[] = [];
  const hasBody = ex.requestBody !== null && ex.requestBody !== "";
  // `--url` unless the URL starts with its scheme, so that no captured path reads as an option
  const target = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) ? shellQuote(url) : `--url ${shellQuote(url)}`;
  parts.push(ex.method === "GET" && !hasBody ? `curl ${target}` : `curl -X ${shellQuote(ex.method)} ${target}`);
  let skipped = 0;
  for (const [name, value] of ex.requestHeaders) {
    const lower = name.toLowerCase();
    if (SKIP.has(lower)) continue;
    if (!TOKEN.test(name)) {
      skipped += 1;
      continue;
    }
    if (lower === "authorization") {
      // the stored value is redacted (`Bearer …abcd`); the variable keeps the key out of the text
      parts.push(`-H "Authorization: Bearer $SCIM_KEY"`);
      continue;
    }
    parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (hasBody) parts.push(`--data-raw ${shellQuote(ex.requestBody ?? "")}`);
  const cmd = parts.join(" \\\n  ");
  const notes: string[] = [];
  if (ex.requestTruncated) notes.push("# the captured body was truncated: this sends only its first part");
  if (skipped > 0) notes.push(`# ${skipped} header(s) with a name that is not a valid http token left out`);
  return [...notes, cmd].join("\n");
}
