//! The Users list's data: pages of users the engine searched, filtered and sorted (`api.users`
//! with the list's query), the true number matching, and — when filtered — the number of users
//! in all, for "12 of 5,000 match". The first page loads when the query changes, the next on
//! demand (infinite scroll); live events reload every page loaded so far, debounced, keeping
//! the rows on screen meanwhile. Only the newest load's answer is ever shown.

import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../platform";
import { useToast } from "../../state/toasts";
import { isFiltered, queryKey, toApiQuery, type ListQuery } from "./listQuery";
import { USER_EVENTS, useLiveReload } from "./live";
import { rowsOf, type UserRow } from "./model";

/** Users per request (the engine answers at most 500). */
export const PAGE = 200;

export interface UserPages {
  /** The loaded rows, in the engine's order; `null` before the first answer. */
  rows: UserRow[] | null;
  /** Users matching the query (all of them, not just the loaded ones). */
  total: number;
  /** Users in all (equal to `total` when nothing filters); `null` while unknown. */
  everyone: number | null;
  /** Whether the rows on screen answer a filtered query (a new query's rows may not be in yet). */
  filtered: boolean;
  /** A new query or a reload is on its way. */
  loading: boolean;
  loadingMore: boolean;
  /** Load the next page (no-op while one is loading or when every match is loaded). */
  loadMore: () => Promise<void>;
}

/** Rows of `more` not already in `rows` (users created meanwhile shift pages by a few). */
function appendNew(rows: UserRow[], more: UserRow[]): UserRow[] {
  const seen = new Set(rows.map((r) => r.id));
  return [...rows, ...more.filter((r) => !seen.has(r.id))];
}

export function useUserPages(query: ListQuery): UserPages {
  const toast = useToast();
  const [rows, setRows] = useState<UserRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [everyone, setEveryone] = useState<number | null>(null);
  const [filtered, setFiltered] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const queryRef = useRef(query);
  queryRef.current = query;
  const rowsRef = useRef<UserRow[] | null>(rows);
  rowsRef.current = rows;
  const totalRef = useRef(total);
  totalRef.current = total;
  const moreRef = useRef(false);
  const seq = useRef(0);

  /** (Re)load the first `want` rows of the current query. */
  const load = useCallback(
    async (want: number) => {
      const mine = ++seq.current;
      const q = queryRef.current;
      setLoading(true);
      try {
        const search = toApiQuery(q);
        const everyoneAnswer = isFiltered(q) ? api.users(1, 0).then((p) => p.totalResults) : null;
        let found: UserRow[] = [];
        let matching = 0;
        for (;;) {
          const page = await api.users(found.length + 1, PAGE, search);
          if (mine !== seq.current) return;
          matching = page.totalResults;
          found = appendNew(found, rowsOf(page));
          if (page.resources.length < PAGE || found.length >= matching || found.length >= want) break;
        }
        const all = everyoneAnswer ? await everyoneAnswer : matching;
        if (mine !== seq.current) return;
        setRows(found);
        setTotal(matching);
        setEveryone(all);
        setFiltered(isFiltered(q));
      } catch (e) {
        if (mine === seq.current) {
          setRows((r) => r ?? []);
          toast.error(e);
        }
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [toast],
  );

  const key = queryKey(query);
  useEffect(() => {
    void load(PAGE);
  }, [key, load]);

  useEffect(
    () => () => {
      seq.current += 1; // unmounted: drop answers in flight
    },
    [],
  );

  useLiveReload(USER_EVENTS, 300, () => void load(Math.max(PAGE, rowsRef.current?.length ?? 0)));

  const loadMore = useCallback(async () => {
    const have = rowsRef.current;
    if (!have || moreRef.current || have.length >= totalRef.current) return;
    const mine = seq.current;
    moreRef.current = true;
    setLoadingMore(true);
    try {
      const page = await api.users(have.length + 1, PAGE, toApiQuery(queryRef.current));
      if (mine !== seq.current) return; // a new query or a reload answers instead
      setRows((r) => appendNew(r ?? [], rowsOf(page)));
      setTotal(page.totalResults);
    } catch (e) {
      if (mine === seq.current) toast.error(e);
    } finally {
      moreRef.current = false;
      setLoadingMore(false);
    }
  }, [toast]);

  return { rows, total, everyone, filtered, loading, loadingMore, loadMore };
}
