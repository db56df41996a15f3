//! The list of workspaces as the sidebar's switcher holds it: loaded on mount, when the engine
//! comes back or the workspace changes (`generation`), on `workspaces.changed` and `resync`, and
//! on demand (opening the menu, for fresh counts). It lights a workspace's live dot for
//! `ACTIVITY_MS` when a `workspace.activity` event says exchanges arrived there, and falls back
//! to `default` when the workspace the UI is on is no longer in the list (deleted elsewhere).

import { useCallback, useEffect, useRef, useState } from "react";
import type { WorkspaceInfo } from "../generated";
import { api, DEFAULT_WORKSPACE } from "../platform";
import { useEngine, useEngineEvent } from "./engine";
import { useToast } from "./toasts";

/** How long a live dot stays lit after the last activity (it fades out by CSS). */
export const ACTIVITY_MS = 8000;

export interface Workspaces {
  /** Every workspace, `default` first; null until loaded. */
  list: WorkspaceInfo[] | null;
  /** The workspace the UI is on, once the list names it. */
  current: WorkspaceInfo | null;
  /** Slugs whose live dot is lit (exchanges arrived there in the last `ACTIVITY_MS`). */
  active: ReadonlySet<string>;
  reload(): Promise<void>;
}

export function useWorkspaces(): Workspaces {
  const { ready, generation, workspace, switchWorkspace } = useEngine();
  const toast = useToast();
  // the list, and the generation it was asked in (a list from before a switch may not hold
  // the workspace just created: it does not count against it)
  const [loaded, setLoaded] = useState<{ all: WorkspaceInfo[]; generation: number } | null>(null);
  const gen = useRef(generation);
  gen.current = generation;
  const [active, setActive] = useState<ReadonlySet<string>>(() => new Set());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const asked = useRef(0);

  const reload = useCallback(async () => {
    const n = ++asked.current;
    const askedIn = gen.current;
    try {
      const all = await api.workspaces();
      if (n === asked.current) setLoaded({ all, generation: askedIn });
    } catch {
      // the engine banner or the next event says why; the list on screen stays
    }
  }, []);

  useEffect(() => {
    if (ready) void reload();
  }, [ready, generation, reload]);

  // the workspace the UI is on was deleted (another window, the CLI): back to default
  useEffect(() => {
    if (!loaded || loaded.generation !== generation) return;
    const all = loaded.all;
    if (workspace.slug === DEFAULT_WORKSPACE || all.some((w) => w.slug === workspace.slug)) return;
    const fallback = all.find((w) => w.slug === DEFAULT_WORKSPACE);
    toast.info(`Workspace “${workspace.slug}” no longer exists: back to ${fallback?.name ?? "the default workspace"}.`);
    switchWorkspace({ slug: DEFAULT_WORKSPACE, apiBase: fallback?.apiBase ?? "/api" });
  }, [loaded, generation, workspace.slug, switchWorkspace, toast]);

  const light = useCallback((slug: string) => {
    const t = timers.current;
    const before = t.get(slug);
    if (before) clearTimeout(before);
    t.set(
      slug,
      setTimeout(() => {
        t.delete(slug);
        setActive((cur) => {
          const next = new Set(cur);
          next.delete(slug);
          return next;
        });
      }, ACTIVITY_MS),
    );
    setActive((cur) => (cur.has(slug) ? cur : new Set(cur).add(slug)));
  }, []);

  useEffect(() => {
    const t = timers.current;
    return () => {
      t.forEach(clearTimeout);
      t.clear();
    };
  }, []);

  useEngineEvent((e) => {
    if (e.type === "workspaces.changed" || e.type === "resync") void reload();
    else if (e.type === "workspace.activity" && e.workspace && e.workspace !== workspace.slug) light(e.workspace);
  });

  const list = loaded?.all ?? null;
  const current = list?.find((w) => w.slug === workspace.slug) ?? null;
  return { list, current, active, reload };
}
