//! The check behind the desktop's "SCIM address" field: a listen address is `host:port` (an IPv6
//! host in brackets) with a port from 1 to 65535. Pure, unit-tested in Settings.test.tsx.

/** Whether `addr` looks like `host:port` with a port from 1 to 65535. */
export function validAddr(addr: string): boolean {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr.trim());
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}
