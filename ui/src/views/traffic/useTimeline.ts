//! The Traffic timeline's data: `api.timeline()` loaded while the strip is open, and again on
//! new traffic, a reset or a resync, at most once every 2 s (throttled: a burst of 5 000 exchanges
//! is one reload at once and one at the end). A load superseded by a newer one is ignored; a
//! failed one keeps what was shown (the strip is a picture, the table is the record).

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Timeline } from "../../generated";
import { api } from "../../platform";
import { useEngineEvent } from "../../state/engine";
import { throttle } from "./timeline";

/** Least time between two timeline loads. */
export const TIMELINE_THROTTLE_MS = 2000;

export function useTimeline(enabled: boolean): Timeline | null {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const seq = useRef(0);
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;

  const load = useCallback(() => {
    if (!enabledRef.current) return;
    const my = ++seq.current;
    Promise.resolve()
      .then(() => api.timeline())
      .then((t) => {
        if (my === seq.current && t) setTimeline(t);
      })
      .catch(() => {
        // keep the last picture
      });
  }, []);

  const reload = useMemo(() => throttle(load, TIMELINE_THROTTLE_MS), [load]);
  useEffect(() => () => reload.cancel(), [reload]);

  useEffect(() => {
    if (enabled) reload();
  }, [enabled, reload]);

  useEngineEvent((e) => {
    if (!enabledRef.current) return;
    if (e.type === "exchange.recorded" || e.type === "reset" || e.type === "resync") reload();
  });

  return timeline;
}
