//! The Roles screen (`#/roles`): how many users get each role (Member, Admin), how the role
//! arrived (mapped, defaulted, missing, invalid, ambiguous), and every field's status counts.
//! Each number opens "the users behind it" (`#/roles?role=Admin`, `#/roles?field=role&status=
//! invalid`): users are loaded page by page and filtered client-side with `filterRows`.

import { useCallback, useEffect, useRef, useState } from "react";
import type { FieldStatus, Role, RoleSummary, TargetField } from "../generated";
import { api } from "../platform";
import { useToast } from "../state/toasts";
import { href } from "../state/route";
import { FieldStatusBadge, RoleBadge } from "../components/Badges";
import { EmptyState } from "../components/EmptyState";
import type { ViewProps } from "./props";
import { USER_EVENTS, useLiveReload } from "./users/live";
import { describeFilter, filterRows, mappingSummary, rowsOf, type RoleFilter, type UserRow } from "./users/model";
import "./roles.css";

const STATUSES: FieldStatus[] = ["mapped", "defaulted", "missing", "invalid", "ambiguous", "misnamed"];
const FIELDS: TargetField[] = ["userName", "displayName", "email", "role"];
const PAGE = 500;
const SHOW = 200;

const STATUS_HINT: Record<FieldStatus, string> = {
  mapped: "a valid role arrived and was read",
  defaulted: "no role arrived: Member by default",
  missing: "nothing usable arrived",
  invalid: "a value arrived that is not Member or Admin (or a list): Member, flagged",
  ambiguous: "two sources disagree: the first wins, flagged",
  misnamed: "sent under a name in another case (Role for role): not read, Member, flagged with the rename",
};

/** The filter a route's query names, if any. */
export function filterFromParams(params: URLSearchParams): RoleFilter | null {
  const role = params.get("role");
  if (role === "Member" || role === "Admin") return { kind: "role", role };
  const field = params.get("field") as TargetField | null;
  const status = params.get("status") as FieldStatus | null;
  if (field && FIELDS.includes(field) && status && STATUSES.includes(status)) return { kind: "status", field, status };
  return null;
}

function filterHref(f: RoleFilter): string {
  return f.kind === "role" ? href("roles", null, { role: f.role }) : href("roles", null, { field: f.field, status: f.status });
}

function same(a: RoleFilter | null, b: RoleFilter): boolean {
  if (!a) return false;
  if (a.kind === "role" && b.kind === "role") return a.role === b.role;
  if (a.kind === "status" && b.kind === "status") return a.field === b.field && a.status === b.status;
  return false;
}

/** A number that opens the users behind it (closes when open). */
function Count({ n, filter, current, className }: { n: number; filter: RoleFilter; current: RoleFilter | null; className?: string }) {
  const open = same(current, filter);
  if (n === 0) return <span className={`count zero ${className ?? ""}`}>0</span>;
  return (
    <a
      href={open ? href("roles") : filterHref(filter)}
      className={`count ${open ? "open" : ""} ${className ?? ""}`}
      aria-expanded={open}
      title={open ? "hide the users" : `show the ${describeFilter(filter)}`}
      data-testid={filter.kind === "role" ? `count-role-${filter.role}` : `count-${filter.field}-${filter.status}`}
    >
      {n}
    </a>
  );
}

/** All users, loaded page by page (the Roles drill-down filters them client-side). */
async function loadAllUsers(): Promise<UserRow[]> {
  const rows: UserRow[] = [];
  for (let start = 1; ; start += PAGE) {
    const page = await api.users(start, PAGE);
    rows.push(...rowsOf(page));
    if (page.resources.length < PAGE || rows.length >= page.totalResults) return rows;
  }
}

function Behind({ filter, rows }: { filter: RoleFilter; rows: UserRow[] | null }) {
  const [shown, setShown] = useState(SHOW);
  const list = rows ? filterRows(rows, filter) : null;
  return (
    <section className="card roles-behind" data-testid="roles-behind">
      <div className="row">
        <h3>
          {list ? list.length : "…"} {describeFilter(filter)}
        </h3>
        <div className="grow" />
        <a href={href("roles")}>close</a>
      </div>
      {list === null ? (
        <p className="muted">loading users…</p>
      ) : list.length === 0 ? (
        <p className="muted">No user matches any more (the data changed since the count).</p>
      ) : (
        <ul className="roles-users">
          {list.slice(0, shown).map((r) => {
            const roleField = r.mapping?.fields.find((f) => f.field === "role");
            const s = mappingSummary(r.mapping);
            return (
              <li key={r.id} data-testid="roles-user">
                <a href={href("users", r.id)} title={r.userName}>
                  {r.userName}
                </a>
                <RoleBadge role={r.role} status={r.roleStatus ?? undefined} />
                {roleField && roleField.raw !== null && roleField.raw !== undefined ? (
                  <span className="mono muted" title={`what arrived: ${JSON.stringify(roleField.raw)}`}>
                    {JSON.stringify(roleField.raw)}
                  </span>
                ) : (
                  <span className="muted">no role sent</span>
                )}
                <span className={`badge ${s.tone}`}>{s.text}</span>
              </li>
            );
          })}
        </ul>
      )}
      {list && list.length > shown ? (
        <button onClick={() => setShown((n) => n + SHOW)}>show {Math.min(SHOW, list.length - shown)} more</button>
      ) : null}
    </section>
  );
}

export function RolesView({ params }: ViewProps) {
  const toast = useToast();
  const filter = filterFromParams(params);
  const [summary, setSummary] = useState<RoleSummary | null>(null);
  const [rows, setRows] = useState<UserRow[] | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  // live reloads overlap: only the newest request's answer is shown
  const summarySeq = useRef(0);
  const rowsSeq = useRef(0);
  const loadSummary = useCallback(async () => {
    const mine = ++summarySeq.current;
    try {
      const s = await api.roles();
      if (mine === summarySeq.current) setSummary(s);
    } catch (e) {
      if (mine === summarySeq.current) toast.error(e);
    }
  }, [toast]);

  const loadRows = useCallback(async () => {
    const mine = ++rowsSeq.current;
    try {
      const r = await loadAllUsers();
      if (mine === rowsSeq.current) setRows(r);
    } catch (e) {
      if (mine === rowsSeq.current) toast.error(e);
    }
  }, [toast]);

  useEffect(
    () => () => {
      summarySeq.current += 1;
      rowsSeq.current += 1;
    },
    [],
  );

  useEffect(() => {
    void loadSummary();
  }, [loadSummary]);

  const wantRows = filter !== null;
  useEffect(() => {
    if (wantRows && rows === null) void loadRows();
  }, [wantRows, rows, loadRows]);

  useLiveReload(USER_EVENTS, 300, () => {
    void loadSummary();
    if (filterRef.current) void loadRows();
    else {
      rowsSeq.current += 1;
      setRows(null);
    }
  });

  if (!summary) return <div className="muted roles-loading">loading roles…</div>;

  const s = summary;
  return (
    <div className="roles">
      <div className="row">
        <h2>Roles</h2>
        <span className="muted">{s.total} users</span>
      </div>
      <p className="muted roles-explain">
        A user's role is <strong>Member</strong> when the IdP sends none; a value that is not exactly Member or Admin
        is shown as it arrived and flagged <strong>invalid</strong> (the user still gets Member).
      </p>

      {s.total === 0 ? (
        <EmptyState title="No users yet">
          <p>
            Roles are counted from the users your IdP provisions. Connect Entra ID or Okta on the{" "}
            <a href={href("connect")}>Connect</a> screen, or run a simulated cycle there; the counts fill in live.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="roles-big">
            {(["Member", "Admin"] as Role[]).map((role) => (
              <div key={role} className={`card roles-tile role-${role.toLowerCase()}`}>
                <div className="roles-tile-label">
                  <RoleBadge role={role} />
                </div>
                <Count n={role === "Admin" ? s.byRole.admin : s.byRole.member} filter={{ kind: "role", role }} current={filter} className="big" />
                <div className="muted small">{role === "Admin" ? "sent Admin exactly" : "sent Member, nothing, or something invalid"}</div>
              </div>
            ))}
          </div>

          <section className="card">
            <h3>How the role arrived</h3>
            <div className="roles-status">
              {STATUSES.map((st) => (
                <div key={st} className={`roles-status-tile st-${st}`}>
                  <FieldStatusBadge status={st} />
                  <Count n={s.byStatus[st]} filter={{ kind: "status", field: "role", status: st }} current={filter} className="mid" />
                  <div className="muted small">{STATUS_HINT[st]}</div>
                </div>
              ))}
            </div>
          </section>

          {filter ? <Behind key={JSON.stringify(filter)} filter={filter} rows={rows} /> : null}

          <section className="card">
            <h3>Every field</h3>
            <table className="grid roles-fields" data-testid="roles-by-field">
              <thead>
                <tr>
                  <th>field</th>
                  {STATUSES.map((st) => (
                    <th key={st} className="num">
                      {st}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.byField.map((f) => (
                  <tr key={f.field}>
                    <td>
                      <strong>{f.field}</strong>
                    </td>
                    {STATUSES.map((st) => (
                      <td key={st} className={`num ${f.counts[st] && (st === "invalid" || st === "missing" || st === "ambiguous") ? `hot-${st}` : ""}`}>
                        <Count n={f.counts[st]} filter={{ kind: "status", field: f.field, status: st }} current={filter} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}
