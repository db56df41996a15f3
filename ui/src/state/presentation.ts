//! Presentation mode, for showing ScimLab on a shared screen during a call: larger type,
//! high-contrast badges, the SCIM key never revealed, internal ids hidden. One switch in the
//! sidebar; remembered in localStorage; applied as the `presentation` class on <html> (the CSS
//! in styles.css does the rest; views ask `usePresentation()` for what CSS cannot do, such as
//! not offering to reveal the key).

import { useSyncExternalStore } from "react";

export const PRESENTATION_KEY = "scimlab.presentation";

/** The remembered setting (off when storage is unavailable). */
export function storedPresentation(): boolean {
  try {
    return localStorage.getItem(PRESENTATION_KEY) === "on";
  } catch {
    return false;
  }
}

let on = storedPresentation();
const listeners = new Set<() => void>();

function apply(): void {
  if (typeof document !== "undefined") document.documentElement.classList.toggle("presentation", on);
}

/** Whether presentation mode is on. */
export function presentationOn(): boolean {
  return on;
}

/** Turn presentation mode on or off, remember it and apply it. */
export function setPresentation(next: boolean): void {
  try {
    if (next) localStorage.setItem(PRESENTATION_KEY, "on");
    else localStorage.removeItem(PRESENTATION_KEY);
  } catch {
    // private mode: on for this page only
  }
  if (next === on) return;
  on = next;
  apply();
  listeners.forEach((l) => l());
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

/** The setting and a way to change it; re-renders when it changes (also from another window). */
export function usePresentation(): [boolean, (on: boolean) => void] {
  return [useSyncExternalStore(subscribe, presentationOn, presentationOn), setPresentation];
}

// applied as soon as the app loads, before the first paint of a reload
apply();
if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key === PRESENTATION_KEY || e.key === null) {
      const next = storedPresentation();
      if (next !== on) {
        on = next;
        apply();
        listeners.forEach((l) => l());
      }
    }
  });
}
