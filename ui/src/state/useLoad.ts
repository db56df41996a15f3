//! Load something from the admin API on mount and on demand, with failures as toasts: the
//! pattern every settings card and list repeats. The returned `load` is stable while `fetcher`
//! is, so it can be called from event handlers (`useEngineEvent`).

import { useCallback, useEffect } from "react";
import { useToast } from "./toasts";

export function useLoad<T>(fetcher: () => Promise<T>, apply: (value: T) => void): () => Promise<void> {
  const toast = useToast();
  const load = useCallback(async () => {
    try {
      apply(await fetcher());
    } catch (e) {
      toast.error(e);
    }
  }, [fetcher, apply, toast]);
  useEffect(() => {
    void load();
  }, [load]);
  return load;
}
