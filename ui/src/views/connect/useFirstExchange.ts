//! What the "first request" panel follows: the latest exchange (checked once on open and on
//! resync, then taken from the live stream), how many arrived after it, and — once the stream
//! settles for a moment — its auth details (the key's outcome). The panel holds still on the
//! first live success; a failed exchange is replaced by the next one. A check answered after a
//! live change never undoes it; a reset clears everything. (The failure itself stays pinned in
//! the Last failure card: useLastFailure.)

import { useCallback, useEffect, useRef, useState } from "react";
import type { AuthSummary, ExchangeSummary } from "../../generated";
import { api } from "../../platform";
import { useEngineEvent, useReportError } from "../../state/engine";

/** The exchange the panel shows; `more` counts the ones that arrived after it. */
export type Seen = { summary: ExchangeSummary; live: boolean; more: number };

export function useFirstExchange(): { seen: Seen | null; checked: boolean; auth: { id: number; auth: AuthSummary } | null } {
  const report = useReportError();
  const [seen, setSeen] = useState<Seen | null>(null);
  const [checked, setChecked] = useState(false);
  const [auth, setAuth] = useState<{ id: number; auth: AuthSummary } | null>(null);
  // bumped by every live change: a check answered after one must not undo it
  const liveChanges = useRef(0);

  const check = useCallback(() => {
    const asked = liveChanges.current;
    api
      .exchanges({}, null, 1)
      .then((page) => {
        setChecked(true);
        const first = page.items[0];
        setSeen((cur) => {
          if (liveChanges.current !== asked) {
            // the stream moved on while the check ran: only a newer exchange may replace what it showed
            return first && (!cur || first.id > cur.summary.id) ? { summary: first, live: false, more: 0 } : cur;
          }
          if (!first) return null;
          return !cur || first.id > cur.summary.id ? { summary: first, live: false, more: 0 } : cur;
        });
      })
      .catch((e) => {
        setChecked(true);
        report(e);
      });
  }, [report]);

  useEffect(check, [check]);

  useEngineEvent((e) => {
    if (e.type === "exchange.recorded" && e.exchanges.length > 0) {
      liveChanges.current += 1;
      const newest = e.exchanges[e.exchanges.length - 1];
      // the panel holds still on the first live success; a failed or older one is replaced,
      // so fixing the key or the URL flips it to "reached" on the next request
      setSeen((cur) => {
        if (cur && newest.id < cur.summary.id) return cur;
        if (cur && newest.id === cur.summary.id) return { ...cur, summary: newest }; // a fold that grew
        if (!cur || !cur.live || cur.summary.status >= 400) return { summary: newest, live: true, more: 0 };
        return { ...cur, more: cur.more + e.exchanges.length };
      });
    } else if (e.type === "reset") {
      liveChanges.current += 1;
      setSeen(null);
      setAuth(null);
    } else if (e.type === "resync") {
      check();
    }
  });

  // the auth details need the whole exchange; fetch it once the stream settles for a moment
  const seenId = seen?.summary.id;
  useEffect(() => {
    if (seenId === undefined) return;
    let live = true;
    const t = setTimeout(() => {
      api
        .exchange(seenId)
        .then((x) => live && setAuth({ id: x.id, auth: x.auth }))
        .catch(() => {
          // dropped by retention or a reset meanwhile: the status still tells the story
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [seenId]);

  return { seen, checked, auth };
}
