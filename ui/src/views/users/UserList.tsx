//! The Users list (`#/users`): every stored user as the target app receives it (user name,
//! display name, email, the IdP that created it, active, role, mapping status, times). The
//! engine searches, filters (IdP, active) and sorts all of them (useUserPages); the search,
//! filters and order live in the URL (listQuery.ts) so a list is a shareable link. The header
//! gives the true total ("5,000 users", "12 of 5,000 match"); more rows load as the list
//! scrolls, and only the rows on screen are rendered (UserTable, virtualised as Traffic is);
//! ↑/↓ and Enter open a user from the keyboard.

import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { href, navigate } from "../../state/route";
import { EmptyState } from "../../components/EmptyState";
import { SimulationStatus, useSimulation } from "../../components/SimulationStatus";
import { count } from "../../format";
import {
  ACTIVE_CHOICES,
  describeFilters,
  goToUsers,
  IDP_CHOICES,
  isFiltered,
  queryFromParams,
  queryKey,
  rememberList,
  withoutFilters,
  type ActiveFilter,
  type ListQuery,
} from "./listQuery";
import { PAGE, useUserPages } from "./useUserPages";
import { UserTable } from "./UserTable";

export { PAGE };
export { ActiveBadge, shortWhen, USER_ROW_HEIGHT, UserRowView } from "./UserTable";

/** Text typed in the search reaches the engine this long after the last key. */
export const SEARCH_DEBOUNCE_MS = 250;

/** "5,000 users", or "12 of 5,000 match" when a filter narrows the list. */
export function headline(total: number, everyone: number | null, filtered: boolean): string {
  if (!filtered) return `${count(total)} ${total === 1 ? "user" : "users"}`;
  const verb = total === 1 ? "matches" : "match";
  return everyone === null ? `${count(total)} ${verb}` : `${count(total)} of ${count(everyone)} ${verb}`;
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
  const queryRef = useRef(query);
  queryRef.current = query;
  const written = useRef(query.q);

  useEffect(() => {
    rememberList(queryRef.current);
  }, [key]);

  // a new query starts at the top (UserTable scrolls back up)
  useEffect(() => {
    setSel(0);
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
      <UserTable
        rows={list}
        query={query}
        queryKey={key}
        selIndex={selIndex}
        onSelect={setSel}
        loading={loading}
        more={more}
        loadMore={loadMore}
        empty={
          list.length === 0 && !loading ? (
            <div className="empty users-none" data-testid="users-none">
              <p>No user matches these filters ({describeFilters(query) || "none"}).</p>
              <button onClick={clearFilters}>Clear filters</button>
            </div>
          ) : null
        }
      />
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
