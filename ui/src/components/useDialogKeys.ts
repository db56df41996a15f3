//! The keyboard of a modal dialog, shared by every dialog (Confirm, the fault editor, the replay
//! dialog): Escape closes, Tab and Shift+Tab stay inside it, and focus returns to what opened it
//! when it closes. `focusFirst` (optional) is focused when the dialog opens.

import { useEffect, useRef, type RefObject } from "react";

const FOCUSABLE = "button, [href], input, select, textarea";

export function useDialogKeys(
  root: RefObject<HTMLElement | null>,
  onClose: () => void,
  focusFirst?: RefObject<HTMLElement | null>,
): void {
  // the latest handler, so an inline onClose does not re-register (and re-focus) every render
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    focusFirst?.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        close.current();
      } else if (e.key === "Tab" && root.current) {
        const items = Array.from(root.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
          (el) => !(el as HTMLButtonElement).disabled,
        );
        if (items.length === 0) return;
        const first = items[0];
        const last = items[items.length - 1];
        const inside = root.current.contains(document.activeElement);
        if (e.shiftKey && (document.activeElement === first || !inside)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      // give focus back to what opened the dialog
      if (before && before.isConnected) before.focus();
    };
    // focusFirst is a ref, read once when the dialog opens
  }, [root, focusFirst]);
}
