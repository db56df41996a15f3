//! "Access" (owners): who holds a personal admin token and with which role (people and scripts
//! are added and revoked with `scimlab admin-user`), and the audit log of admin actions — who
//! did what, on which workspace, when, from where, and the answer — newest first, older pages on
//! demand. A caller who is not an owner is told so instead.

import { useCallback, useEffect, useState } from "react";
import type { AdminUserInfo, AuditEntry } from "../../generated";
import { api } from "../../platform";
import { dateTime } from "../../format";
import { useReportError } from "../../state/engine";

/** The access cards' data: `null` while loading, `"forbidden"` for a caller below owner. */
type Loaded<T> = T | null | "forbidden";

const isForbidden = (e: unknown) => (e as { status?: unknown } | null)?.status === 403;

export function AccessSection() {
  const report = useReportError();
  const [users, setUsers] = useState<Loaded<AdminUserInfo[]>>(null);
  const [entries, setEntries] = useState<Loaded<AuditEntry[]>>(null);
  const [older, setOlder] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setBusy(true);
    try {
      const [u, page] = await Promise.all([api.adminUsers(), api.audit()]);
      setUsers(u);
      setEntries(page.items);
      setOlder(page.nextBefore);
    } catch (e) {
      if (isForbidden(e)) {
        setUsers("forbidden");
        setEntries("forbidden");
      } else report(e);
    } finally {
      setBusy(false);
    }
  }, [report]);
  useEffect(() => {
    void load();
  }, [load]);

  const loadOlder = async () => {
    if (older === null || !Array.isArray(entries)) return;
    setBusy(true);
    try {
      const page = await api.audit(older);
      setEntries([...entries, ...page.items]);
      setOlder(page.nextBefore);
    } catch (e) {
      report(e);
    } finally {
      setBusy(false);
    }
  };

  if (users === "forbidden" || entries === "forbidden") {
    return (
      <section className="card" data-testid="access">
        <h3>Access</h3>
        <p className="muted">Only owners see who has admin access and the audit log.</p>
      </section>
    );
  }
  return (
    <section className="card" data-testid="access">
      <div className="row">
        <h3 className="grow">Access</h3>
        <button className="small" disabled={busy} onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <h4>Personal admin tokens</h4>
      {users === null ? (
        <p className="muted">loading…</p>
      ) : users.length === 0 ? (
        <p className="muted" data-testid="admin-users-empty">
          No personal admin tokens yet. Add one from a terminal: <code>scimlab admin-user add NAME --role viewer|operator|owner</code>
        </p>
      ) : (
        <table className="access-table" data-testid="admin-users">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Added</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.name} className={u.revoked ? "muted" : undefined}>
                <td>{u.name}</td>
                <td>{u.role}</td>
                <td>{dateTime(u.created)}</td>
                <td>{u.revoked ? `revoked ${dateTime(u.revoked)}` : "active"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Audit log</h4>
      {entries === null ? (
        <p className="muted">loading…</p>
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          No admin action yet: writes, exports and refused attempts appear here.
        </p>
      ) : (
        <table className="access-table" data-testid="audit-log">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Workspace</th>
              <th>Answer</th>
              <th>From</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((a) => (
              <tr key={a.id} data-testid="audit-entry" className={a.status >= 400 ? "refused" : undefined}>
                <td>{dateTime(a.at)}</td>
                <td>
                  {a.actor} <span className="muted">({a.role})</span>
                </td>
                <td>
                  <code>
                    {a.method} {a.path}
                  </code>
                </td>
                <td>{a.workspace}</td>
                <td>{a.status}</td>
                <td>{a.client ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {older !== null && Array.isArray(entries) ? (
        <button className="small" disabled={busy} onClick={() => void loadOlder()}>
          Older entries
        </button>
      ) : null}
    </section>
  );
}
