//! A confirmation dialog for destructive actions (rotate key, reset data). Escape cancels,
//! the confirm button is focused only after the user reads (no accidental Enter).

import { useRef, type ReactNode } from "react";
import { useDialogKeys } from "./useDialogKeys";

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
  useDialogKeys(dialogRef, () => cancel.current(), cancelRef);
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
