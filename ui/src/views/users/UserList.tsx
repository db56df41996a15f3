//! The Users list (`#/users`): every stored user as the target app receives it (user name,
//! display name, email, active, role badge, mapping status, times), searched client-side and
//! loaded in pages of 500 so large tenants stay responsive. Reloads (debounced) on live events;
//! ↑/↓ and Enter open a user from the keyboard.

import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { api } from "../../platform";
import { useToast } from "../../state/toasts";
import { href, navigate } from "../../state/route";
import { RoleBadge } from "../../components/Badges";
import { EmptyState } from "../../components/EmptyState";
import { SimulationStatus, useSimulation } from "../../components/SimulationStatus";
import { clock, dateTime } from "../../format";
import { USER_EVENTS, useLiveReload } from "./live";
import { mappingSummary, matches, rowsOf, type UserRow } from "./model";

export const PAGE = 500;
/** Rows rendered at once; more on demand (rendering 10 000 rows would stall the UI). */
const RENDER_STEP = 500;

/** `17:02:03` today, `Nov 27` earlier (the full time is in the title). */
export function shortWhen(at: string, now = new Date()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  if (d.toDateString() === now.toDateString()) return clock(at).slice(0, 8);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric" });
}

export function ActiveBadge({ active }: { active: boolean | null }) {
  if (active === null) return <span className="muted" title="the IdP did not send active">—</span>;
  return active ? <span className="badge good">active</span> : <span className="badge warn">inactive</span>;
}

/** One row of the list (exported for tests). */
export function UserRowView({ row, selected, onSelect }: { row: UserRow; selected: boolean; onSelect?: () => void }) {
  const summary = mappingSummary(row.mapping);
  return (
    <tr
      data-testid="user-row"
      data-id={row.id}
      className={selected ? "selected" : undefined}
      aria-selected={selected}
      onClick={() => {
        onSelect?.();
        navigate("users", row.id);
      }}
    >
      <td className="users-name" title={row.userName}>
        <a href={href("users", row.id)}>{row.userName}</a>
      </td>
      <td title={row.displayName ?? undefined}>{row.displayName ?? <span className="muted">—</span>}</td>
      <td className="mono" title={row.email ?? undefined}>
        {row.email ?? <span className="muted">—</span>}
      </td>
      <td>
        <ActiveBadge active={row.active} />
      </td>
      <td>
        <RoleBadge role={row.role} status={row.roleStatus ?? undefined} />
      </td>
      <td>
        <span className={`badge ${summary.tone}`} title={summary.title}>
          {summary.text}
        </span>
      </td>
      <td className="muted nowrap" title={row.created ? dateTime(row.created) : undefined}>
        {row.created ? shortWhen(row.created) : "—"}
      </td>
      <td className="muted nowrap" title={row.modified ? dateTime(row.modified) : undefined}>
        {row.modified ? shortWhen(row.modified) : "—"}
      </td>
    </tr>
  );
}

export function UserList() {
  const toast = useToast();
  const [rows, setRows] = useState<UserRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState(1);
  const [loadingMore, setLoadingMore] = useState(false);
  const [q, setQ] = useState("");
  const [shown, setShown] = useState(RENDER_STEP);
  const [sel, setSel] = useState(0);
  const sim = useSimulation();
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const pagesRef = useRef(pages);
  pagesRef.current = pages;
  const seq = useRef(0);

  /** Load pages 1..n again (live reload keeps what was loaded). */
  const load = useCallback(
    async (n: number) => {
      const mine = ++seq.current;
      try {
        const all: UserRow[] = [];
        let totalResults = 0;
        for (let p = 0; p < n; p++) {
          const page = await api.users(1 + p * PAGE, PAGE);
          totalResults = page.totalResults;
          all.push(...rowsOf(page));
          if (page.resources.length < PAGE || all.length >= totalResults) break;
        }
        if (mine !== seq.current) return;
        setRows(all);
        setTotal(totalResults);
      } catch (e) {
        if (mine === seq.current) {
          setRows((r) => r ?? []);
          toast.error(e);
        }
      }
    },
    [toast],
  );

  useEffect(() => {
    void load(1);
  }, [load]);

  useLiveReload(USER_EVENTS, 300, () => void load(pagesRef.current));

  const loadMore = async (all = false) => {
    setLoadingMore(true);
    const n = all ? Math.max(1, Math.ceil(total / PAGE)) : pages + 1;
    setPages(n);
    await load(n);
    setLoadingMore(false);
  };

  const filtered = useMemo(() => (rows ?? []).filter((r) => matches(r, q)), [rows, q]);
  const visible = filtered.slice(0, shown);
  const selIndex = Math.min(sel, Math.max(0, visible.length - 1));

  useEffect(() => {
    const el = tableRef.current?.querySelectorAll("tr")[selIndex] as HTMLElement | undefined;
    el?.scrollIntoView?.({ block: "nearest" });
  }, [selIndex]);

  const onKey = (e: KeyboardEvent) => {
    if (visible.length === 0) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setSel(Math.min(selIndex + 1, visible.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setSel(Math.max(selIndex - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      navigate("users", visible[selIndex].id);
    }
  };

  if (rows === null) return <div className="muted users-loading">loading users…</div>;

  if (rows.length === 0 && total === 0) {
    return (
      <div className="users">
        <h2>Users</h2>
        <EmptyState title="No users yet">
          <p>
            Users appear here as soon as your IdP provisions them: each one shows how its attributes land on the app's
            userName, displayName, email and role.
          </p>
          <p>
            Point Entra ID or Okta at the SCIM endpoint on the <a href={href("connect")}>Connect</a> screen and start
            provisioning — or run a simulated cycle to see it work in seconds:
          </p>
          <div className="row users-sim">
            {(["entra", "okta"] as const).map((scenario) => (
              <button
                key={scenario}
                className={scenario === "entra" ? "primary" : undefined}
                disabled={sim.busy}
                onClick={() => void sim.start(scenario)}
              >
                Simulate {scenario === "entra" ? "Entra ID" : "Okta"}
              </button>
            ))}
          </div>
          <SimulationStatus />
        </EmptyState>
      </div>
    );
  }

  const loaded = rows.length;
  return (
    <div className="users" onKeyDown={onKey}>
      <div className="row users-head">
        <h2>Users</h2>
        <span className="muted">
          {total} {total === 1 ? "user" : "users"}
          {loaded < total ? ` · ${loaded} loaded` : ""}
        </span>
        <div className="grow" />
        <input
          type="search"
          className="users-search"
          placeholder="Search user name, name, email, role…"
          aria-label="search users"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setSel(0);
            setShown(RENDER_STEP);
          }}
        />
      </div>
      <SimulationStatus />
      {q && loaded < total ? (
        <div className="muted users-note">
          Searching the {loaded} users loaded of {total}.{" "}
          <button className="small" disabled={loadingMore} onClick={() => void loadMore(true)}>
            load all to search everyone
          </button>
        </div>
      ) : null}
      <div className="users-table-wrap card" tabIndex={0} aria-label="users; arrow keys move, Enter opens">
        <table className="grid users-table">
          <thead>
            <tr>
              <th>userName</th>
              <th>display name</th>
              <th>email</th>
              <th>active</th>
              <th>role</th>
              <th>mapping</th>
              <th>created</th>
              <th>modified</th>
            </tr>
          </thead>
          <tbody ref={tableRef}>
            {visible.map((r, i) => (
              <UserRowView key={r.id} row={r} selected={i === selIndex} onSelect={() => setSel(i)} />
            ))}
          </tbody>
        </table>
        {filtered.length === 0 ? <div className="empty muted">No loaded user matches “{q}”.</div> : null}
      </div>
      <div className="row users-foot">
        {filtered.length > visible.length ? (
          <button onClick={() => setShown((s) => s + RENDER_STEP)}>
            show {Math.min(RENDER_STEP, filtered.length - visible.length)} more of {filtered.length}
          </button>
        ) : null}
        {loaded < total ? (
          <>
            <button disabled={loadingMore} onClick={() => void loadMore(false)}>
              {loadingMore ? "loading…" : `load next ${Math.min(PAGE, total - loaded)}`}
            </button>
            <button className="ghost" disabled={loadingMore} onClick={() => void loadMore(true)}>
              load all {total}
            </button>
          </>
        ) : null}
        <span className="muted small-hint">↑/↓ select · Enter opens</span>
      </div>
    </div>
  );
}
