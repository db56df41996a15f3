//! Plain-word explanations of quirk labels (`entra.capitalized-op` …) for the Traffic detail
//! pane, fetched once per session from `GET /api/quirks` (`api.quirks()`) and shared. Owned by
//! the Traffic screen; a failed load leaves the bare labels (and is retried on the next mount).

import { useEffect, useState } from "react";
import type { QuirkInfo } from "./generated";
import { api } from "./platform";

export type { QuirkInfo };

let cache: Promise<Map<string, QuirkInfo>> | null = null;

/** Load the quirk table once per session (a failure is retried on the next call). */
export function loadQuirks(): Promise<Map<string, QuirkInfo>> {
  if (cache) return cache;
  cache = api
    .quirks()
    .then((list) => new Map(list.map((q) => [q.label, q])))
    .catch((e) => {
      cache = null;
      throw e;
    });
  return cache;
}

/** Forget the cached table (tests). */
export function clearQuirkCache(): void {
  cache = null;
}

/** The quirk table, empty until loaded (or when the engine has no such route yet). */
export function useQuirks(): Map<string, QuirkInfo> {
  const [map, setMap] = useState<Map<string, QuirkInfo>>(() => new Map());
  useEffect(() => {
    let live = true;
    loadQuirks()
      .then((m) => live && setMap(m))
      .catch(() => {
        // explanations are a nicety: the labels still show
      });
    return () => {
      live = false;
    };
  }, []);
  return map;
}
