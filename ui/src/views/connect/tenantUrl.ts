//! Pure readings of the tenant URL for the Connect screen: its SCIM port (for the tunnel
//! commands), whether a cloud IdP can reach it directly, and the tenant URL behind a tunnel.
//! Unit-tested in Connect.test.tsx.

/** The SCIM port of a tenant URL (`http://127.0.0.1:8787/scim/v2` → 8787). */
export function portOf(tenantUrl: string): string {
  try {
    const u = new URL(tenantUrl);
    return u.port || (u.protocol === "https:" ? "443" : "80");
  } catch {
    return "8787";
  }
}

/** Whether cloud IdPs cannot reach this URL directly (loopback, unspecified or private). */
export function needsTunnel(tenantUrl: string): boolean {
  try {
    const h = new URL(tenantUrl).hostname.replace(/^\[|\]$/g, "");
    return (
      h === "localhost" ||
      h === "0.0.0.0" ||
      h === "::" ||
      h === "::1" ||
      h.startsWith("127.") ||
      h.startsWith("10.") ||
      h.startsWith("192.168.") ||
      /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
      new URL(tenantUrl).protocol !== "https:"
    );
  } catch {
    return true;
  }
}

/** The tenant URL behind a tunnel: the tunnel's origin + the SCIM path; null when not https. */
export function tunnelTenantUrl(tunnel: string, tenantUrl: string): string | null {
  const raw = tunnel.trim();
  if (!raw) return null;
  try {
    const t = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
    if (t.protocol !== "https:") return null;
    let path = "/scim/v2";
    try {
      path = new URL(tenantUrl).pathname.replace(/\/$/, "") || "/scim/v2";
    } catch {
      // keep the default path
    }
    return `${t.origin}${path}`;
  } catch {
    return null;
  }
}
