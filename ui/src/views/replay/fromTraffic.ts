//! What Traffic's "Replay against…" replays: the ticked rows when there are some; otherwise what
//! the filters show — everything captured, or one IdP's requests (the engine selects them, so
//! rows not loaded yet count too), or, for any other filter, the ids of the rows listed (the
//! newest MAX_IDS of them; older pages are listed as the table scrolls).

import type { ReplaySelection } from "../../generated";
import { count } from "../../format";
import type { Filters } from "../traffic/filters";
import { selectionText } from "./store";

/** Most ids sent in one selection. */
export const MAX_IDS = 5000;

/** The selection and its statement for the Traffic screen's state. `rows` are newest first. */
export function trafficReplay(ticked: ReadonlySet<number>, filters: Filters, rows: readonly { id: number }[], total: number | null = null): { selection: ReplaySelection; what: string } {
  if (ticked.size > 0) {
    const ids = [...ticked].sort((a, b) => a - b);
    return { selection: { writesOnly: false, ids }, what: selectionText({ writesOnly: false, ids }) };
  }
  const { idp, ...rest } = filters;
  if (Object.values(rest).every((v) => !v)) {
    const selection: ReplaySelection = idp ? { idp, writesOnly: false } : { writesOnly: false };
    return { selection, what: selectionText(selection) };
  }
  const listed = rows.slice(0, MAX_IDS);
  const ids = listed.map((r) => r.id).sort((a, b) => a - b);
  const what =
    rows.length > MAX_IDS
      ? `the newest ${count(MAX_IDS)} of the ${count(rows.length)} exchanges listed`
      : total !== null && total > rows.length
        ? `the ${count(ids.length)} exchanges listed (of ${count(total)} matching: scroll to list more)`
        : `the ${count(ids.length)} ${ids.length === 1 ? "exchange" : "exchanges"} the filters show`;
  return { selection: { writesOnly: false, ids }, what };
}
