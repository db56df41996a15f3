//! The engine connection as React state: connects through the host, opens the event stream
//! once, and fans events out to the views that listen (`useEngineEvent`). Views reload on
//! `reset` / `resync` themselves; this provider only delivers.
//!
//! It also knows whether the engine answers. When the stream drops or an admin call cannot
//! reach the engine, it asks `/api/health`; if that fails too the engine is `down` (views
//! disable their actions, the frame shows a banner and marks the data stale) and health is
//! polled with backoff (1 s, 2 s, 3 s, then every 5 s) until it answers. Then the views are
//! remounted (`generation`), the stream reopened, and one `resync` sent once it is live.
//! `useReportError()` is how views report a failed call: "cannot reach the engine" goes to
//! the banner, anything else to a toast.
//!
//! And it holds the workspace the UI works in (platform/workspace.ts). The remembered one is
//! checked before the screens load (one that no longer exists falls back to `default`);
//! `switchWorkspace` points the API at another, reopens the stream on it and remounts the
//! views (`generation`), so every screen loads that workspace's data.

import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import {
  api,
  apiBaseOf,
  currentWorkspace,
  DEFAULT_WORKSPACE,
  host,
  setConnection,
  setWorkspace,
  subscribe,
  type ConnectionState,
  type StartupProblem,
  type StreamState,
  type TaggedEvent,
  type WorkspaceRef,
} from "../platform";
import type { DatabaseHealth } from "../generated";
import { useToast } from "./toasts";

type Listener = (e: TaggedEvent) => void;

interface EngineCtx {
  /** `null` while connecting; the shell's answer otherwise. */
  problem: StartupProblem | null;
  ready: boolean;
  stream: StreamState;
  /** Bumped on reconnect to a new engine (desktop restart, or after the engine answered again): views reload. */
  generation: number;
  /** The engine does not answer: actions are disabled and what is on screen may be stale. */
  down: boolean;
  /** When contact was lost (epoch ms) while `down`, else null. */
  lostAt: number | null;
  /** The engine answers but its database does not (`/api/health` said `degraded`): what it
   *  said, while that lasts; else null. SCIM requests are answered `503` meanwhile. */
  database: DatabaseHealth | null;
  listen(l: Listener): () => void;
  /** Apply a new connection (after a desktop engine restart). */
  apply(state: ConnectionState): void;
  /** Report a failed admin call; true when it means the engine cannot be reached (the banner says so: do not toast it). */
  noteFailure(e: unknown): boolean;
  /** Ask the engine's health now (the banner's "retry now"). */
  retry(): void;
  /** The workspace the screens and the stream are on. */
  workspace: WorkspaceRef;
  /** Work in another workspace: the stream is reopened on it and every screen reloads. */
  switchWorkspace(ws: WorkspaceRef): void;
}

const Ctx = createContext<EngineCtx>({
  problem: null,
  ready: false,
  stream: "connecting",
  generation: 0,
  down: false,
  lostAt: null,
  database: null,
  listen: () => () => {},
  apply: () => {},
  noteFailure: () => false,
  retry: () => {},
  workspace: { slug: DEFAULT_WORKSPACE, apiBase: "/api" },
  switchWorkspace: () => {},
});

export function useEngine(): EngineCtx {
  return useContext(Ctx);
}

/** Call `handler` for every engine event while mounted (latest handler, no resubscribe). */
export function useEngineEvent(handler: Listener): void {
  const { listen } = useEngine();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => listen((e) => ref.current(e)), [listen]);
}

/** Whether a failed call got no answer at all (the engine is not running or not reachable). */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof TypeError) return true;
  return typeof e === "object" && e !== null && (e as { status?: unknown }).status === 0;
}

/** The remembered workspace if the engine still has it, else `default` (asked once, before the
 *  screens load; when the engine cannot say, the remembered one is kept). */
export async function resolveWorkspace(): Promise<WorkspaceRef> {
  const remembered = currentWorkspace();
  if (remembered.slug === DEFAULT_WORKSPACE) return remembered;
  try {
    const info = await api.workspace(remembered.slug);
    return { slug: info.slug, apiBase: info.apiBase };
  } catch (e) {
    const status = (e as { status?: unknown } | null)?.status;
    return status === 404 || status === 400 ? { slug: DEFAULT_WORKSPACE, apiBase: apiBaseOf(DEFAULT_WORKSPACE) } : remembered;
  }
}

/** The pause before health probe number `attempt` (0-based) while the engine is down. */
export function probeDelay(attempt: number): number {
  return [1000, 2000, 3000][attempt] ?? 5000;
}

/** A failed call's handler: unreachable → the engine banner; anything else → an error toast. */
export function useReportError(): (e: unknown) => void {
  const { noteFailure } = useEngine();
  const toast = useToast();
  return useCallback((e: unknown) => {
    if (!noteFailure(e)) toast.error(e);
  }, [noteFailure, toast]);
}

export function EngineProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<ConnectionState | null>(null);
  const [stream, setStream] = useState<StreamState>("connecting");
  const [generation, setGeneration] = useState(0);
  const [lostAt, setLostAt] = useState<number | null>(null);
  const [database, setDatabase] = useState<DatabaseHealth | null>(null);
  const [workspace, setWorkspaceState] = useState<WorkspaceRef>(currentWorkspace);
  const listeners = useRef(new Set<Listener>());
  const emit = useCallback((e: TaggedEvent) => listeners.current.forEach((l) => l(e)), []);

  // the health watch: plain mutable state, so the stream callback and views can poke it
  const watch = useRef({
    down: false,
    checking: false,
    attempt: 0,
    since: 0,
    timer: null as ReturnType<typeof setTimeout> | null,
    resyncOnLive: false,
    alive: true,
    databaseDown: false,
  });

  const recovered = useCallback(() => {
    const w = watch.current;
    w.attempt = 0;
    if (!w.down) return;
    w.down = false;
    w.resyncOnLive = true;
    setLostAt(null);
    setGeneration((g) => g + 1);
  }, []);

  const check = useCallback(() => {
    const w = watch.current;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    if (w.checking || !w.alive) return;
    w.checking = true;
    api.health().then(
      (h) => {
        w.checking = false;
        if (!w.alive) return;
        recovered();
        // the engine answers, its database may not: say so, and ask again until it does
        if (h?.database?.up === false) {
          w.databaseDown = true;
          setDatabase(h.database);
          w.timer = setTimeout(check, probeDelay(w.attempt));
          w.attempt += 1;
        } else if (w.databaseDown) {
          w.databaseDown = false;
          setDatabase(null);
          // what failed to load meanwhile loads again
          setGeneration((g) => g + 1);
        }
      },
      (e: unknown) => {
        w.checking = false;
        if (!w.alive) return;
        // any answer (a 401 after a token change, a 500) means the engine runs: views say the rest
        if (!isUnreachable(e)) return recovered();
        if (!w.down) {
          w.down = true;
          setLostAt(w.since);
        }
        w.timer = setTimeout(check, probeDelay(w.attempt));
        w.attempt += 1;
      },
    );
  }, [recovered]);

  /** Something suggests the engine is gone: confirm with a health probe (once at a time). */
  const suspect = useCallback(() => {
    const w = watch.current;
    if (w.down || w.checking || w.timer) return;
    w.since = Date.now();
    check();
  }, [check]);

  useEffect(() => {
    const w = watch.current;
    w.alive = true;
    return () => {
      w.alive = false;
      if (w.timer) clearTimeout(w.timer);
      w.timer = null;
    };
  }, []);

  const apply = useCallback((s: ConnectionState) => {
    if (s.ok) setConnection(s.connection);
    const w = watch.current;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    w.down = false;
    w.attempt = 0;
    setLostAt(null);
    setState(s);
    setGeneration((g) => g + 1);
  }, []);

  const switchWorkspace = useCallback((next: WorkspaceRef) => {
    setWorkspace(next);
    setWorkspaceState(currentWorkspace());
    // the views remount on the new workspace's data and the stream reopens on it
    setGeneration((g) => g + 1);
  }, []);

  useEffect(() => {
    let cancelled = false;
    host
      .connection()
      .then(async (s) => {
        if (!s.ok) return s;
        setConnection(s.connection);
        const ws = await resolveWorkspace();
        if (!cancelled) {
          setWorkspace(ws);
          setWorkspaceState(currentWorkspace());
        }
        return s;
      })
      .then((s) => !cancelled && apply(s))
      .catch((e) => !cancelled && apply({ ok: false, problem: { kind: "other", message: String(e), addr: null, suggestedAddr: null } }));
    return () => {
      cancelled = true;
    };
  }, [apply]);

  const ready = state?.ok === true;
  useEffect(() => {
    if (!ready) return;
    let current = true;
    const unsubscribe = subscribe(
      (e) => current && emit(e),
      (s) => {
        // a stream being closed reports "closed" after the next one opened: ignore it
        if (!current) return;
        setStream(s);
        const w = watch.current;
        if (s === "reconnecting") suspect();
        else if (s === "live") {
          if (w.down) check();
          else if (w.resyncOnLive) {
            w.resyncOnLive = false;
            // events were lost while the engine was away (a run it forgot, for one)
            emit({ type: "resync", missed: 0 });
          }
        }
      },
    );
    return () => {
      current = false;
      unsubscribe();
    };
  }, [ready, generation, emit, suspect, check]);

  const listen = useCallback((l: Listener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  const noteFailure = useCallback(
    (e: unknown) => {
      if (!isUnreachable(e)) {
        // a 503: the engine is busy, or its database does not answer (health tells which)
        const w = watch.current;
        if ((e as { status?: unknown } | null)?.status === 503 && !w.checking && !w.timer) check();
        return false;
      }
      suspect();
      return true;
    },
    [suspect, check],
  );

  const retry = useCallback(() => {
    const w = watch.current;
    if (!w.checking) check();
  }, [check]);

  const value: EngineCtx = {
    problem: state && !state.ok ? state.problem : null,
    ready,
    stream,
    generation,
    down: lostAt !== null,
    lostAt,
    database,
    listen,
    apply,
    noteFailure,
    retry,
    workspace,
    switchWorkspace,
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
