//! "Simulate ▾": the simulator at hand on every screen that needs it (Connect, Checklist, the
//! empty Traffic table). A small menu — Entra ID or Okta, as the target app's setup guide
//! configures them or with the IdPs' full default payloads — and how many people to simulate
//! (1 to 10,000). Starts one run at a time through the admin API and hands it to the shared run
//! store (`state/simulation.ts`) that `useSimulation` and `<SimulationStatus />` follow.
//! Disabled while the engine does not answer or a run is going. Keyboard: Enter / Space / ↓
//! open it, ↑ / ↓ / Home / End move, Enter starts, Escape closes.

import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api } from "../platform";
import { useEngine, useReportError } from "../state/engine";
import { getRun, setRun, startedRun } from "../state/simulation";
import { count } from "../format";
import { useSimulation } from "./SimulationStatus";

export interface SimChoice {
  scenario: "entra" | "okta";
  setup: "guide" | "full";
  label: string;
  hint: string;
}

export const SIM_CHOICES: SimChoice[] = [
  { scenario: "entra", setup: "guide", label: "Entra ID — guide setup", hint: "what the app's setup guide configures in Entra ID" },
  { scenario: "okta", setup: "guide", label: "Okta — guide setup", hint: "what the app's setup guide configures in Okta" },
  { scenario: "entra", setup: "full", label: "Entra ID — full payloads", hint: "Entra ID's richer default attribute mappings" },
  { scenario: "okta", setup: "full", label: "Okta — full payloads", hint: "Okta's richer default profile attributes" },
];

export const MAX_SIM_USERS = 10000;

/** The number of simulated people typed, or null when it is not a whole number from 1 to 10,000. */
export function simUsers(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= MAX_SIM_USERS ? n : null;
}

export function SimulateMenu({ busy = false, align = "right", primary = false }: { busy?: boolean; align?: "left" | "right"; primary?: boolean }) {
  const { down } = useEngine();
  const sim = useSimulation();
  const report = useReportError();
  const [open, setOpen] = useState(false);
  const [usersText, setUsersText] = useState("10");
  const [starting, setStarting] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const items = useRef<(HTMLButtonElement | null)[]>([]);
  const focusOnOpen = useRef(0);
  const menuId = useId();

  const users = simUsers(usersText);
  const running = sim.busy || starting || busy;
  const disabled = down || running;
  const why = down ? "the ScimLab engine is not answering" : running ? "a simulation is running" : "replay an IdP's provisioning against this endpoint";

  // a menu left open when the engine goes away or a run starts elsewhere closes
  useEffect(() => {
    if (disabled) setOpen(false);
  }, [disabled]);

  useEffect(() => {
    if (!open) return;
    items.current[focusOnOpen.current]?.focus();
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  const openAt = (index: number) => {
    focusOnOpen.current = index;
    setOpen(true);
  };
  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };

  const start = async (choice: SimChoice) => {
    if (users === null || disabled) return;
    close();
    setStarting(true);
    try {
      const { id } = await api.startSimulation({ scenario: choice.scenario, setup: choice.setup, users });
      // a fast run may have finished (events first) before the 202 was read: keep what is known
      const cur = getRun();
      if (!cur || cur.id !== id) setRun(startedRun(id, choice.scenario));
    } catch (e) {
      report(e);
    } finally {
      setStarting(false);
    }
  };

  const onTriggerKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!disabled) openAt(e.key === "ArrowUp" ? SIM_CHOICES.length - 1 : 0);
    }
  };

  const onMenuKey = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    const list = items.current.filter((b): b is HTMLButtonElement => b !== null);
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return; // in the number field: its arrows step the number
    const next = { ArrowDown: (at + 1) % list.length, ArrowUp: (at - 1 + list.length) % list.length, Home: 0, End: list.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    list[next]?.focus();
  };

  return (
    <div
      className="sim-menu"
      ref={wrap}
      onBlur={(e) => {
        // focus moved on past the menu and its button (Tab): close. A click elsewhere is the
        // mousedown listener's (some engines blur a button on mousedown with no target)
        const to = e.relatedTarget as Node | null;
        if (open && to && !wrap.current?.contains(to)) setOpen(false);
      }}
    >
      <button
        ref={trigger}
        type="button"
        className={primary ? "primary" : undefined}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        title={why}
        onClick={() => (open ? setOpen(false) : openAt(0))}
        onKeyDown={onTriggerKey}
        data-testid="simulate-menu"
      >
        {starting ? "Starting…" : "Simulate ▾"}
      </button>
      {open ? (
        <div className={`sim-menu-pop${align === "left" ? " left" : ""}`} onKeyDown={onMenuKey}>
          <ul className="sim-menu-items" role="menu" id={menuId} aria-label="simulate an IdP">
            {SIM_CHOICES.map((c, i) => (
              <li key={`${c.scenario}-${c.setup}`} role="none">
                <button
                  ref={(el) => {
                    items.current[i] = el;
                  }}
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  title={c.hint}
                  aria-disabled={users === null || undefined}
                  onClick={() => void start(c)}
                >
                  {c.label}
                </button>
              </li>
            ))}
          </ul>
          <label className="sim-menu-users">
            <span>People to simulate</span>
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_SIM_USERS}
              step={1}
              value={usersText}
              aria-invalid={users === null}
              onChange={(e) => setUsersText(e.target.value)}
            />
          </label>
          {users === null ? <div className="sim-menu-hint">a whole number from 1 to {count(MAX_SIM_USERS)}</div> : null}
        </div>
      ) : null}
    </div>
  );
}
