//! The engine connection as React state: connects through the host, opens the event stream
//! once, and fans events out to the views that listen (`useEngineEvent`). Views reload on
//! `reset` / `resync` themselves; this provider only delivers.

import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import type { EngineEvent } from "../generated";
import { host, setConnection, subscribe, type ConnectionState, type StartupProblem, type StreamState } from "../platform";

type Listener = (e: EngineEvent) => void;

interface EngineCtx {
  /** `null` while connecting; the shell's answer otherwise. */
  problem: StartupProblem | null;
  ready: boolean;
  stream: StreamState;
  /** Bumped on reconnect to a new engine (desktop restart): views reload. */
  generation: number;
  listen(l: Listener): () => void;
  /** Apply a new connection (after a desktop engine restart). */
  apply(state: ConnectionState): void;
}

const Ctx = createContext<EngineCtx>({
  problem: null,
  ready: false,
  stream: "connecting",
  generation: 0,
  listen: () => () => {},
  apply: () => {},
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

export function EngineProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<ConnectionState | null>(null);
  const [stream, setStream] = useState<StreamState>("connecting");
  const [generation, setGeneration] = useState(0);
  const listeners = useRef(new Set<Listener>());

  const apply = useCallback((s: ConnectionState) => {
    if (s.ok) setConnection(s.connection);
    setState(s);
    setGeneration((g) => g + 1);
  }, []);

  useEffect(() => {
    let cancelled = false;
    host
      .connection()
      .then((s) => !cancelled && apply(s))
      .catch((e) => !cancelled && apply({ ok: false, problem: { kind: "other", message: String(e), addr: null, suggestedAddr: null } }));
    return () => {
      cancelled = true;
    };
  }, [apply]);

  const ready = state?.ok === true;
  useEffect(() => {
    if (!ready) return;
    return subscribe(
      (e) => listeners.current.forEach((l) => l(e)),
      setStream,
    );
  }, [ready, generation]);

  const listen = useCallback((l: Listener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  const value: EngineCtx = {
    problem: state && !state.ok ? state.problem : null,
    ready,
    stream,
    generation,
    listen,
    apply,
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
