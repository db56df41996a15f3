//! Live reloading for the Users, Roles and Checklist screens: a debounced reload that runs when
//! one of the named engine events arrives. Kept here (owned by the Users/Roles/Checklist/Settings
//! helper) so the screens share one behaviour: bursts of events cause one reload, never one per
//! event, and the reload keeps the data on screen while it runs (no spinner after first load).

import { useEffect, useRef } from "react";
import type { EngineEvent } from "../../generated";
import { useEngineEvent } from "../../state/engine";

/** The event types that mean "users or their mapping may have changed" (`mapping.progress`
 * comes while every user is re-evaluated in the background; the last one says it is done). */
export const USER_EVENTS: EngineEvent["type"][] = ["resource.changed", "mapping.changed", "mapping.progress", "reset", "resync"];

/** A function that runs `fn` once, `ms` after the last call (latest `fn`). Cancelled on unmount. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const trigger = useRef(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      fnRef.current();
    }, ms);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return trigger.current;
}

/**
 * Call `reload` (debounced by `ms`) when an event of one of `types` arrives and `accept` (if
 * given) says it concerns this screen.
 */
export function useLiveReload(
  types: EngineEvent["type"][],
  ms: number,
  reload: () => void,
  accept?: (e: EngineEvent) => boolean,
): void {
  const trigger = useDebounced(reload, ms);
  useEngineEvent((e) => {
    if (!types.includes(e.type)) return;
    if (accept && !accept(e)) return;
    trigger();
  });
}
