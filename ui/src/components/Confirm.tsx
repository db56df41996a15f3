//! A confirmation dialog for destructive actions (rotate key, reset data). Escape cancels,
//! the confirm button is focused only after the user reads (no accidental Enter).

import { useEffect, useRef, type ReactNode } from "react";

export function Confirm({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  danger = true,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  // the latest handler, so an inline onCancel does not re-register (and re-focus) every render
  const cancel = useRef(onCancel);
  cancel.current = onCancel;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        cancel.current();
      } else if (e.key === "Tab" && dialogRef.current) {
        // keep Tab inside the dialog
        const items = Array.from(dialogRef.current.querySelectorAll<HTMLElement>("button, [href], input, select, textarea")).filter(
          (el) => !(el as HTMLButtonElement).disabled,
        );
        if (items.length === 0) return;
        const first = items[0];
        const last = items[items.length - 1];
        const inside = dialogRef.current.contains(document.activeElement);
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
  }, []);
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div ref={dialogRef} className="modal" role="dialog" aria-modal="true" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        <div className="modal-body">{children}</div>
        <div className="modal-actions">
          <button ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
          <button className={danger ? "danger" : "primary"} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
