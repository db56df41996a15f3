//! "Rename workspace", a dialog: a new name for the current workspace. Its slug, and so the
//! tenant URL the IdP holds, stays (the dialog says so). The engine's 400 is shown in the dialog.

import { useId, useRef, useState } from "react";
import type { WorkspaceInfo } from "../../generated";
import { api } from "../../platform";
import { messageOf, useToast } from "../../state/toasts";
import { useDialogKeys } from "../useDialogKeys";
import { WorkspaceModal } from "./WorkspaceModal";

export function RenameWorkspaceDialog({
  workspace,
  onCancel,
  onRenamed,
}: {
  workspace: WorkspaceInfo;
  onCancel: () => void;
  onRenamed: (w: WorkspaceInfo) => void;
}) {
  const uid = useId();
  const toast = useToast();
  const [name, setName] = useState(workspace.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  useDialogKeys(dialogRef, onCancel, nameRef);

  const next = name.trim();
  const ok = next !== "" && next !== workspace.name;

  const rename = async () => {
    if (!ok || busy) return;
    setBusy(true);
    setError(null);
    try {
      const w = await api.renameWorkspace(workspace.slug, next);
      toast.info(`Renamed to “${w.name}”; the tenant URL stays.`);
      onRenamed(w);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <WorkspaceModal testId="workspace-rename-dialog" title={<>Rename “{workspace.name}”</>} onClose={onCancel} dialogRef={dialogRef}>
      <form
        className="ws-form"
        noValidate
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void rename();
        }}
      >
        <div className="ws-field">
          <label htmlFor={`${uid}-name`}>Name</label>
          <input
            id={`${uid}-name`}
            ref={nameRef}
            value={name}
            maxLength={80}
            spellCheck={false}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
          />
          <small className="muted">
            the slug <code>{workspace.slug}</code> and the tenant URL <code>{workspace.tenantUrl}</code> stay: the IdP keeps working
          </small>
        </div>
        {error ? (
          <p className="ws-error" role="alert" data-testid="workspace-error">
            {error}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!ok || busy}>
            {busy ? "Renaming…" : "Rename"}
          </button>
        </div>
      </form>
    </WorkspaceModal>
  );
}
