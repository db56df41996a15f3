//! The shell every workspace dialog shares: the backdrop (a click outside closes), the modal
//! box labelled by its title, and its test id. Keys (Escape, the focus trap) stay with each
//! dialog's `useDialogKeys`, which needs `dialogRef`.

import { useId, type ReactNode, type RefObject } from "react";

export function WorkspaceModal({
  testId,
  title,
  onClose,
  dialogRef,
  describedBy,
  children,
}: {
  testId: string;
  title: ReactNode;
  onClose: () => void;
  dialogRef: RefObject<HTMLDivElement | null>;
  /** The id of the element that says what the dialog does (read with the title). */
  describedBy?: string;
  children: ReactNode;
}) {
  const titleId = `${useId()}-title`;
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        ref={dialogRef}
        className="modal ws-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        data-testid={testId}
        onClick={(e) => e.stopPropagation()}
      >
        <h3 id={titleId}>{title}</h3>
        {children}
      </div>
    </div>
  );
}
