//! The Traffic counter's truth: how many stored exchanges match (`ExchangePage.total`, read
//! with the first page), kept true as live rows arrive (each id newer than the newest counted
//! adds one; a fold of refused requests that grew keeps its id and adds nothing), and the words
//! for it: "5,450 exchanges", or "312 of 5,450 exchanges" when filtered. Pure.

import type { ExchangePage, ExchangeSummary } from "../../generated";
import { count } from "../../format";

/** A true count and the newest id it includes. */
export interface Tally {
  total: number;
  /** The newest exchange id counted (0 when none). */
  top: number;
}

/** The tally a first page carries; null when the engine did not say (a later page, an old engine). */
export function tallyOf(page: Pick<ExchangePage, "items" | "total">): Tally | null {
  if (page.total === null || page.total === undefined) return null;
  return { total: page.total, top: page.items.reduce((m, r) => Math.max(m, r.id), 0) };
}

/** `t` with the live `rows` that are newer than it counted in (the same object when none is). */
export function addLive(t: Tally | null, rows: readonly Pick<ExchangeSummary, "id">[]): Tally | null {
  if (t === null) return null;
  let n = 0;
  let top = t.top;
  for (const r of rows) {
    if (r.id > t.top) {
      n++;
      top = Math.max(top, r.id);
    }
  }
  return n === 0 ? t : { total: t.total + n, top };
}

const noun = (n: number) => (n === 1 ? "exchange" : "exchanges");

/**
 * The counter's words. `shown` is the tally of the current view; `all` the unfiltered one
 * (only when filtered and known). Without a tally (an engine that does not count) it falls
 * back to the rows loaded, `+` when older pages exist.
 */
export function counterText(shown: Tally | null, all: Tally | null, filtered: boolean, loaded: number, more: boolean): string {
  if (shown === null) return `${count(loaded)}${more ? "+" : ""} ${noun(loaded)}`;
  if (filtered && all !== null) return `${count(shown.total)} of ${count(all.total)} ${noun(all.total)}`;
  return `${count(shown.total)} ${noun(shown.total)}`;
}
