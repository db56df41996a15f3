//! Toasts: short messages in a corner that never block the screen. Errors stay until closed
//! (they name a problem the user should read); confirmations fade after a few seconds.

import { ApiError } from "../platform";
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

export interface Toast {
  id: number;
  kind: "error" | "info";
  text: string;
}

interface ToastApi {
  /** Show an error (an Error's message, or text). */
  error(e: unknown): void;
  /** Show a confirmation that fades. */
  info(text: string): void;
}

const Ctx = createContext<ToastApi>({ error: () => {}, info: () => {} });

/** The toasts API of the nearest provider. */
export function useToast(): ToastApi {
  return useContext(Ctx);
}

/** Message of an unknown error value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  return String(e);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const close = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (kind: Toast["kind"], text: string) => {
      const id = next.current++;
      setToasts((t) => [...t.filter((x) => x.text !== text).slice(-4), { id, kind, text }]);
      if (kind === "info") setTimeout(() => close(id), 3500);
    },
    [close],
  );
  const api = useMemo<ToastApi>(
    () => ({
      // An engine that cannot be reached (status 0) is the engine banner's news, not a toast's.
      error: (e) => {
        if (e instanceof ApiError && e.status === 0) return;
        push("error", messageOf(e));
      },
      info: (text) => push("info", text),
    }),
    [push],
  );
  return (
    <Ctx.Provider value={api}>
      {children}
      <div className="toasts" role="region" aria-label="notifications">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"}>
            <span>{t.text}</span>
            <button className="ghost" aria-label="dismiss" onClick={() => close(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}
