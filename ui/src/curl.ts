//! "Copy as curl" for a captured exchange: rebuilds the request an IdP sent as a shell command
//! an admin can replay against ScimLab (or their own app). Owned by the Traffic screen. The key
//! never appears: Authorization becomes `Bearer $SCIM_KEY` so the command is safe to paste into
//! a ticket, and every other value is single-quoted for POSIX shells.

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

/** Quote `s` for a POSIX shell: `'…'`, with each `'` written as `'\''`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

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

/** The curl command for `ex`, sent to `origin` (e.g. `http://127.0.0.1:8787`). */
export function buildCurl(ex: CurlInput, origin: string): string {
  const q = ex.query ? (ex.query.startsWith("?") ? ex.query : `?${ex.query}`) : "";
  const url = `${origin}${ex.path}${q}`;
  const parts: string[] = [];
  const method = ex.method.toUpperCase();
  const hasBody = ex.requestBody !== null && ex.requestBody !== "";
  parts.push(method === "GET" && !hasBody ? `curl ${shellQuote(url)}` : `curl -X ${method} ${shellQuote(url)}`);
  for (const [name, value] of ex.requestHeaders) {
    const lower = name.toLowerCase();
    if (SKIP.has(lower)) continue;
    if (lower === "authorization") {
      // the stored value is redacted (`Bearer …abcd`); the variable keeps the key out of the text
      parts.push(`-H "Authorization: Bearer $SCIM_KEY"`);
      continue;
    }
    parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (hasBody) parts.push(`--data-raw ${shellQuote(ex.requestBody ?? "")}`);
  const cmd = parts.join(" \\\n  ");
  return ex.requestTruncated ? `# the captured body was truncated: this sends only its first part\n${cmd}` : cmd;
}
