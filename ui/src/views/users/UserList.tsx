//! The Users list (`#/users`): every stored user as the target app receives it (user name,
//! display name, email, the IdP that created it, active, role, mapping status, times). The
//! engine searches, filters (IdP, active) and sorts all of them (useUserPages); the search,
//! filters and order live in the URL (listQuery.ts) so a list is a shareable link. The header
//! gives the true total ("5,000 users", "12 of 5,000 match"); more rows load as the list
//! scrolls; ↑/↓ and Enter open a user from the keyboard.

import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type UIEvent } from "react";
import { href, navigate } from "../../state/route";
import { IdpBadge } from "../../components/Badges";
import { RoleWord } from "./RoleWord";
import { EmptyState } from "../../components/EmptyState";
import { SimulationStatus, useSimulation } from "../../components/SimulationStatus";
import { clock, count, dateTime } from "../../format";
import {
  ACTIVE_CHOICES,
  describeFilters,
  goToUsers,
  IDP_CHOICES,
  isFiltered,
  queryFromParams,
  queryKey,
  rememberList,
  toggleSort,
  withoutFilters,
  type ActiveFilter,
  type ListQuery,
  type SortKey,
} from "./listQuery";
import { mappingSummary, type UserRow } from "./model";
import { PAGE, useUserPages } from "./useUserPages";

export { PAGE };

/** Text typed in the search reaches the engine this long after the last key. */
export const SEARCH_DEBOUNCE_MS = 250;
/** Rows from the bottom at which scrolling loads the next page. */
const NEAR_BOTTOM_PX = 240;

/** `17:02:03` today, `Nov 27` earlier (the full time is in the title). */
export function shortWhen(at: string, now = new Date()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  if (d.toDateString() === now.toDateString()) return clock(at).slice(0, 8);
  return d.toLocaleDateString("en-US", { month: "short", day: "numeric", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric" });
}

export function ActiveBadge({ active }: { active: boolean | null }) {
  if (active === null) return <span className="muted" title="the IdP did not send active">—</span>;
  return active ? <span className="badge good">active</span> : <span className="badge warn">inactive</span>;
}

/** "5,000 users", or "12 of 5,000 match" when a filter narrows the list. */
export function headline(total: number, everyone: number | null, filtered: boolean): string {
  if (!filtered) return `${count(total)} ${total === 1 ? "user" : "users"}`;
  const verb = total === 1 ? "matches" : "match";
  return everyone === null ? `${count(total)} ${verb}` : `${count(total)} of ${count(everyone)} ${verb}`;
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
      <td>{row.idp ? <IdpBadge idp={row.idp} /> : <span className="muted">—</span>}</td>
      <td>
        <ActiveBadge active={row.active} />
      </td>
      <td>
        <RoleWord role={row.role} status={row.roleStatus ?? undefined} />
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

/** A column header that sorts the list by `sort` (the engine sorts every user, not the page). */
function SortHeader({ label, sort, query }: { label: string; sort: SortKey; query: ListQuery }) {
  const on = query.sort === sort;
  return (
    <th aria-sort={on ? query.order : "none"}>
      <button
        type="button"
        className={`th-sort${on ? " on" : ""}`}
        title={on ? `sorted ${query.order}; click to reverse` : `sort by ${label}`}
        onClick={() => goToUsers(toggleSort(query, sort))}
      >
        {label}
        <span aria-hidden className="th-arrow">
          {on ? (query.order === "ascending" ? "↑" : "↓") : "↕"}
        </span>
      </button>
    </th>
  );
}

function NoUsersYet() {
  const sim = useSimulation();
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

export function UserList({ params = new URLSearchParams() }: { params?: URLSearchParams }) {
  const paramText = params.toString();
  const query = useMemo(() => queryFromParams(new URLSearchParams(paramText)), [paramText]);
  const key = queryKey(query);
  const pages = useUserPages(query);
  const { rows, total, everyone, loading, loadingMore, loadMore } = pages;
  const [sel, setSel] = useState(0);
  const [text, setText] = useState(query.q);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const queryRef = useRef(query);
  queryRef.current = query;
  const written = useRef(query.q);

  useEffect(() => {
    rememberList(queryRef.current);
  }, [key]);

  // a new query starts at the top
  useEffect(() => {
    setSel(0);
    wrapRef.current?.scrollTo?.({ top: 0 });
  }, [key]);

  // the search box follows the URL (a shared link, "clear filters"), not our own writes
  useEffect(() => {
    if (query.q !== written.current) setText(query.q);
    written.current = query.q;
  }, [query.q]);

  // typed text reaches the URL (and so the engine) after a pause
  useEffect(() => {
    if (text === queryRef.current.q) return;
    const t = setTimeout(() => {
      written.current = text;
      goToUsers({ ...queryRef.current, q: text }, true);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);

  const list = rows ?? [];
  const selIndex = Math.min(sel, Math.max(0, list.length - 1));

  useEffect(() => {
    const el = tableRef.current?.querySelectorAll("tr")[selIndex] as HTMLElement | undefined;
    el?.scrollIntoView?.({ block: "nearest" });
  }, [selIndex]);

  const filtered = isFiltered(query);
  const more = list.length < total;

  const onKey = (e: KeyboardEvent) => {
    const tag = (e.target as HTMLElement).tagName;
    if (tag === "SELECT" || tag === "BUTTON" || list.length === 0) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (selIndex >= list.length - 1 && more) void loadMore();
      setSel(Math.min(selIndex + 1, list.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setSel(Math.max(selIndex - 1, 0));
    } else if (e.key === "Enter" && (e.target as HTMLElement).tagName !== "A") {
      e.preventDefault();
      navigate("users", list[selIndex].id);
    }
  };

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    if (more && el.scrollTop + el.clientHeight >= el.scrollHeight - NEAR_BOTTOM_PX) void loadMore();
  };

  const clearFilters = () => {
    written.current = "";
    setText("");
    goToUsers(withoutFilters(query));
  };

  if (rows === null) return <div className="muted users-loading">loading users…</div>;
  if (!filtered && !pages.filtered && total === 0 && list.length === 0) return <NoUsersYet />;

  return (
    <div className="users" onKeyDown={onKey}>
      <div className="row users-head">
        <h2>Users</h2>
        <span className="muted users-count" data-testid="users-count" aria-live="polite">
          {headline(total, everyone, pages.filtered)}
        </span>
        {loading ? <span className="muted small">searching…</span> : null}
      </div>
      <div className="row users-filters" role="search">
        <input
          type="search"
          className="users-search"
          placeholder="Search user name, name, email or id…"
          aria-label="search users"
          data-autofocus
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <select aria-label="IdP" value={query.idp} onChange={(e) => goToUsers({ ...query, idp: e.target.value as ListQuery["idp"] })}>
          {IDP_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <select aria-label="active" value={query.active} onChange={(e) => goToUsers({ ...query, active: e.target.value as ActiveFilter })}>
          {ACTIVE_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        {filtered ? (
          <button className="ghost" onClick={clearFilters}>
            Clear filters
          </button>
        ) : null}
      </div>
      <SimulationStatus />
      <div
        ref={wrapRef}
        className={`users-table-wrap card${loading ? " stale" : ""}`}
        tabIndex={0}
        aria-label="users; arrow keys move, Enter opens"
        onScroll={onScroll}
      >
        <table className="grid users-table">
          <thead>
            <tr>
              <SortHeader label="userName" sort="userName" query={query} />
              <SortHeader label="display name" sort="displayName" query={query} />
              <th>email</th>
              <th>IdP</th>
              <th>active</th>
              <th>role</th>
              <th>mapping</th>
              <SortHeader label="created" sort="created" query={query} />
              <SortHeader label="modified" sort="lastModified" query={query} />
            </tr>
          </thead>
          <tbody ref={tableRef}>
            {list.map((r, i) => (
              <UserRowView key={r.id} row={r} selected={i === selIndex} onSelect={() => setSel(i)} />
            ))}
          </tbody>
        </table>
        {list.length === 0 && !loading ? (
          <div className="empty users-none" data-testid="users-none">
            <p>No user matches these filters ({describeFilters(query) || "none"}).</p>
            <button onClick={clearFilters}>Clear filters</button>
          </div>
        ) : null}
      </div>
      <div className="row users-foot">
        {more ? (
          <>
            <span className="muted">
              {count(list.length)} of {count(total)} shown; scrolling loads more
            </span>
            <button disabled={loadingMore} onClick={() => void loadMore()}>
              {loadingMore ? "loading…" : `load next ${count(Math.min(PAGE, total - list.length))}`}
            </button>
          </>
        ) : null}
        <span className="muted small-hint">↑/↓ select · Enter opens</span>
      </div>
    </div>
  );
}
