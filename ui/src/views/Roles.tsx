//! The Roles screen (`#/roles`): horizontal bars of how many users get each role (Member,
//! Admin), how the role arrived (the engine's status words, statusWords.ts), who the users are
//! (the IdP that created them, active or not), and every field's status counts. A role or
//! status number opens "the users behind it" (`#/roles?role=Admin`, `#/roles?field=role&status=
//! invalid`; users loaded page by page and filtered with `filterRows`, as the engine cannot
//! filter by mapping yet); an IdP or active number opens the Users list with that filter, which
//! the engine applies.

import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { FieldStatus, Idp, Role, RoleSummaryReply, TargetField } from "../generated";
import { api } from "../platform";
import { useToast } from "../state/toasts";
import { href } from "../state/route";
import { RoleWord } from "./users/RoleWord";
import { EmptyState } from "../components/EmptyState";
import { count, idpName } from "../format";
import type { ViewProps } from "./props";
import { USER_EVENTS, useLiveReload } from "./users/live";
import { DEFAULT_QUERY, listHref } from "./users/listQuery";
import { describeFilter, filterRows, mappingSummary, rowsOf, type RoleFilter, type UserRow } from "./users/model";
import { FIELD_MEANING, ROLE_MEANING, STATUSES, STATUS_TONE, statusSentence, type Tone } from "./users/statusWords";
import { StatusWord } from "./users/StatusWord";
import "./roles.css";

const FIELDS: TargetField[] = ["userName", "displayName", "email", "role"];
const IDPS: Idp[] = ["entra", "okta", "other"];
const PAGE = 500;
const SHOW = 200;

/** Users per IdP and active state: the numbers the engine can filter the Users list by. */
export interface Breakdown {
  idp: Record<Idp, number>;
  active: number;
  inactive: number;
}

/** The breakdown, counted by the engine (`count=0` answers carry only the total). */
async function loadBreakdown(): Promise<Breakdown> {
  const total = async (q: Parameters<typeof api.users>[2]) => (await api.users(1, 0, q)).totalResults;
  const [entra, okta, other, active, inactive] = await Promise.all([
    total({ idp: "entra" }),
    total({ idp: "okta" }),
    total({ idp: "other" }),
    total({ active: true }),
    total({ active: false }),
  ]);
  return { idp: { entra, okta, other }, active, inactive };
}

/** A bar's width: its share of `total`, at least a sliver when not zero. */
export function barPercent(n: number, total: number): number {
  if (n <= 0 || total <= 0) return 0;
  return Math.max(1, Math.min(100, (n / total) * 100));
}

/** One horizontal bar: what it counts (and what that means), the bar, the number. */
function Bar({ label, hint, n, total, tone, children, testId }: { label: ReactNode; hint?: string; n: number; total: number; tone: Tone | "accent"; children: ReactNode; testId: string }) {
  const pct = barPercent(n, total);
  return (
    <div className="bar-row" data-testid={testId}>
      <div className="bar-label">
        {label}
        {hint ? <div className="muted small bar-hint">{hint}</div> : null}
      </div>
      <div className="bar-track" aria-hidden>
        <div className={`bar-fill tone-${tone}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="bar-count">{children}</div>
    </div>
  );
}

/** A number that opens the Users list with the same filter (the engine applies it). */
function UsersCount({ n, to, testId, title }: { n: number; to: string; testId: string; title: string }) {
  if (n === 0) return <span className="count zero">0</span>;
  return (
    <a href={to} className="count" data-testid={testId} title={title}>
      {count(n)}
    </a>
  );
}

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
      {count(n)}
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
          {list ? count(list.length) : "…"} {describeFilter(filter)}
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
                <RoleWord role={r.role} status={r.roleStatus ?? undefined} />
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
        <button onClick={() => setShown((n) => n + SHOW)}>show {count(Math.min(SHOW, list.length - shown))} more</button>
      ) : null}
    </section>
  );
}

export function RolesView({ params }: ViewProps) {
  const toast = useToast();
  const filter = filterFromParams(params);
  const [summary, setSummary] = useState<RoleSummaryReply | null>(null);
  const [breakdown, setBreakdown] = useState<Breakdown | null>(null);
  const [rows, setRows] = useState<UserRow[] | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  // live reloads overlap: only the newest request's answer is shown
  const summarySeq = useRef(0);
  const rowsSeq = useRef(0);
  const loadSummary = useCallback(async () => {
    const mine = ++summarySeq.current;
    try {
      const [s, b] = await Promise.all([api.roles(), loadBreakdown().catch(() => null)]);
      if (mine !== summarySeq.current) return;
      setSummary(s);
      setBreakdown(b);
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
        <a className="muted roles-total" href={href("users")} data-testid="roles-total">
          {count(s.total)} {s.total === 1 ? "user" : "users"}
        </a>
      </div>
      {s.updating ? (
        <p className="muted roles-updating" data-testid="roles-updating">
          updating: every user's mapping is being evaluated again (another mapping profile, or many changes at
          once); these counts are the previous results until it is done
        </p>
      ) : null}
      <p className="muted roles-explain">
        A user's role is <strong>Member</strong> when the IdP sends none; a value that is not exactly Member or Admin
        is shown as it arrived and flagged <strong>invalid</strong> (the user still gets Member). Each number opens the
        users behind it.
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
          <section className="card">
            <h3>Which role users get</h3>
            <div className="bars" data-testid="roles-by-role">
              {(["Member", "Admin"] as Role[]).map((role) => {
                const n = role === "Admin" ? s.byRole.admin : s.byRole.member;
                return (
                  <Bar
                    key={role}
                    testId={`bar-role-${role}`}
                    label={<RoleWord role={role} />}
                    hint={role === "Admin" ? "sent Admin exactly" : "sent Member, nothing, or something invalid"}
                    n={n}
                    total={s.total}
                    tone={role === "Admin" ? "warn" : "neutral"}
                  >
                    <Count n={n} filter={{ kind: "role", role }} current={filter} />
                  </Bar>
                );
              })}
            </div>
          </section>

          <section className="card">
            <h3>How the role arrived</h3>
            <div className="bars" data-testid="roles-by-status">
              {STATUSES.map((st) => (
                <Bar
                  key={st}
                  testId={`bar-status-${st}`}
                  label={<StatusWord status={st} field="role" />}
                  hint={ROLE_MEANING[st]}
                  n={s.byStatus[st]}
                  total={s.total}
                  tone={STATUS_TONE[st]}
                >
                  <Count n={s.byStatus[st]} filter={{ kind: "status", field: "role", status: st }} current={filter} />
                </Bar>
              ))}
            </div>
          </section>

          {filter ? <Behind key={JSON.stringify(filter)} filter={filter} rows={rows} /> : null}

          {breakdown ? (
            <section className="card">
              <h3>Who the users are</h3>
              <div className="bars" data-testid="roles-by-idp">
                {IDPS.map((idp) => (
                  <Bar
                    key={idp}
                    testId={`bar-idp-${idp}`}
                    label={<span className="bar-name">created by {idpName(idp)}</span>}
                    n={breakdown.idp[idp]}
                    total={s.total}
                    tone="accent"
                  >
                    <UsersCount
                      n={breakdown.idp[idp]}
                      to={listHref({ ...DEFAULT_QUERY, idp })}
                      testId={`count-idp-${idp}`}
                      title={`open the Users list: users created by ${idpName(idp)}`}
                    />
                  </Bar>
                ))}
                {(["active", "inactive"] as const).map((a) => (
                  <Bar key={a} testId={`bar-${a}`} label={<span className="bar-name">{a}</span>} n={breakdown[a]} total={s.total} tone={a === "active" ? "good" : "warn"}>
                    <UsersCount n={breakdown[a]} to={listHref({ ...DEFAULT_QUERY, active: a })} testId={`count-${a}`} title={`open the Users list: ${a} users`} />
                  </Bar>
                ))}
              </div>
            </section>
          ) : null}

          <section className="card">
            <h3>Every field</h3>
            <div className="table-scroll">
              <table className="grid roles-fields" data-testid="roles-by-field">
                <thead>
                  <tr>
                    <th>field</th>
                    {STATUSES.map((st) => (
                      <th key={st} className="num" title={statusSentence(st)}>
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
                        <td
                          key={st}
                          className={`num ${f.counts[st] && (st === "invalid" || st === "missing" || st === "ambiguous" || st === "misnamed") ? `hot-${STATUS_TONE[st]}` : ""}`}
                          title={`${f.field}: ${st} — ${f.field === "role" ? ROLE_MEANING[st] : FIELD_MEANING[st]}`}
                        >
                          <Count n={f.counts[st]} filter={{ kind: "status", field: f.field, status: st }} current={filter} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}
