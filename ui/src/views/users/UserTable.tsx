//! The Users table: sortable column headers and the loaded rows, virtualised as Traffic's grid is
//! (components/virtual.ts): rows have one fixed height (`USER_ROW_HEIGHT`, users.css), only the
//! visible ones plus an overscan are in the DOM between two spacer rows, and the header stays
//! sticky inside the scroll area (it and the card's padding above it are the hook's `inset`). Rows are memoised, so a
//! page appended or a scroll step renders only the rows that change. Scrolling near the end
//! asks for the next page; the selected row (↑/↓ in UserList) is kept in view. The selection,
//! the query and the data belong to UserList.

import { memo, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type UIEvent } from "react";
import { href, navigate } from "../../state/route";
import { IdpBadge } from "../../components/Badges";
import { useVirtualRows } from "../../components/virtual";
import { clock, dateTime } from "../../format";
import { RoleWord } from "./RoleWord";
import { goToUsers, toggleSort, type ListQuery, type SortKey } from "./listQuery";
import { mappingSummary, type UserRow } from "./model";

/** A row's height in pixels: the virtualisation relies on it (`.users-table tbody td` in users.css). */
export const USER_ROW_HEIGHT = 32;
/** Rows rendered beyond each edge of the visible ones. */
const OVERSCAN = 10;
/** Rows from the bottom at which scrolling loads the next page. */
const NEAR_BOTTOM_PX = 240;
const COLUMNS = 9;

/** Made once, not on each call (see format.ts). */
const MONTH_DAY = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric" });
const MONTH_DAY_YEAR = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric" });

/** `17:02:03` today, `Nov 27` earlier (the full time is in the title). */
export function shortWhen(at: string, now = new Date()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  if (d.toDateString() === now.toDateString()) return clock(at).slice(0, 8);
  return (d.getFullYear() === now.getFullYear() ? MONTH_DAY : MONTH_DAY_YEAR).format(d);
}

export function ActiveBadge({ active }: { active: boolean | null }) {
  if (active === null) return <span className="muted" title="the IdP did not send active">—</span>;
  return active ? <span className="badge good">active</span> : <span className="badge warn">inactive</span>;
}

/** One row of the list (exported for tests). `index` is its place in the loaded rows. */
export const UserRowView = memo(function UserRowView({
  row,
  index = 0,
  selected,
  onSelect,
}: {
  row: UserRow;
  index?: number;
  selected: boolean;
  onSelect?: (index: number) => void;
}) {
  const summary = mappingSummary(row.mapping);
  return (
    <tr
      data-testid="user-row"
      data-id={row.id}
      aria-rowindex={index + 2}
      className={selected ? "selected" : undefined}
      aria-selected={selected}
      onClick={() => {
        onSelect?.(index);
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
});

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

/** The rows' place kept by an empty row `height` px tall (above or below the rendered ones). */
function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden className="users-spacer" style={{ height }}>
      <td colSpan={COLUMNS} />
    </tr>
  );
}

export function UserTable({
  rows,
  query,
  queryKey,
  selIndex,
  onSelect,
  loading,
  more,
  loadMore,
  empty,
}: {
  /** Every loaded row, in the engine's order. */
  rows: UserRow[];
  query: ListQuery;
  /** Changes with the query: the list goes back to its top. */
  queryKey: string;
  selIndex: number;
  /** A row was clicked (stable: the rows are memoised). */
  onSelect: (index: number) => void;
  loading: boolean;
  /** Users match beyond the loaded rows. */
  more: boolean;
  loadMore: () => void;
  /** Shown under the header when there are no rows (null otherwise). */
  empty: ReactNode;
}) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  // where the first row starts in the scroll area: below the card's padding and the sticky
  // header, which both stay over the rows as they scroll (measured once; 0 in jsdom)
  const [inset, setInset] = useState(0);
  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    const body = bodyRef.current;
    if (!wrap || !body) return;
    setInset(Math.max(0, body.getBoundingClientRect().top - wrap.getBoundingClientRect().top - wrap.clientTop + wrap.scrollTop));
  }, []);
  const virt = useVirtualRows(wrapRef, rows.length, USER_ROW_HEIGHT, OVERSCAN, inset);
  const { scrollToIndex, sync } = virt;

  // a new query starts at the top
  useEffect(() => {
    const el = wrapRef.current;
    if (el && el.scrollTop !== 0) {
      el.scrollTop = 0;
      sync();
    }
  }, [queryKey, sync]);

  // the selected row stays in view (it may not be rendered: scroll by arithmetic, not the DOM)
  useEffect(() => {
    scrollToIndex(selIndex);
  }, [selIndex, scrollToIndex]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    if (more && el.scrollTop + el.clientHeight >= el.scrollHeight - NEAR_BOTTOM_PX) loadMore();
  };

  const below = virt.total - virt.end * USER_ROW_HEIGHT;
  return (
    <div
      ref={wrapRef}
      className={`users-table-wrap card${loading ? " stale" : ""}`}
      tabIndex={0}
      aria-label="users; arrow keys move, Enter opens"
      onScroll={onScroll}
    >
      <table className="grid users-table" aria-rowcount={rows.length + 1}>
        <colgroup>
          <col className="users-col-name" />
          <col className="users-col-display" />
          <col className="users-col-email" />
          <col className="users-col-idp" />
          <col className="users-col-active" />
          <col className="users-col-role" />
          <col className="users-col-mapping" />
          <col className="users-col-when" />
          <col className="users-col-when" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
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
        <tbody ref={bodyRef}>
          {virt.offset > 0 ? <Spacer key="above" height={virt.offset} /> : null}
          {rows.slice(virt.start, virt.end).map((r, k) => (
            <UserRowView key={r.id} row={r} index={virt.start + k} selected={virt.start + k === selIndex} onSelect={onSelect} />
          ))}
          {below > 0 ? <Spacer key="below" height={below} /> : null}
        </tbody>
      </table>
      {empty}
    </div>
  );
}
