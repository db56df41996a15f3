//! "Import a workspace", a dialog: a `.scimlab` file (another ScimLab's export) picked from
//! disk and sent as is to the engine, optionally under another name; it becomes a new workspace
//! with a new SCIM key, and the UI switches to it. The engine's 400 (not an export, from a newer
//! ScimLab, damaged) or 409 (the name is taken) is shown in the dialog as the engine words it.

import { useId, useRef, useState } from "react";
import type { WorkspaceInfo } from "../../generated";
import { api } from "../../platform";
import { messageOf, useToast } from "../../state/toasts";
import { useDialogKeys } from "../useDialogKeys";
import { WorkspaceModal } from "./WorkspaceModal";

export function ImportWorkspaceDialog({ onCancel, onImported }: { onCancel: () => void; onImported: (w: WorkspaceInfo) => void }) {
  const uid = useId();
  const toast = useToast();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  useDialogKeys(dialogRef, onCancel, fileRef);

  const importFile = async () => {
    if (!file || busy) return;
    setBusy(true);
    setError(null);
    try {
      const w = await api.importWorkspace(file, name.trim() || undefined);
      toast.info(`Imported “${w.name}”: its tenant URL is ${w.tenantUrl}, with a new SCIM key.`);
      onImported(w);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <WorkspaceModal testId="workspace-import-dialog" title={<>Import a workspace</>} onClose={onCancel} dialogRef={dialogRef}>
      <form
        className="ws-form"
        noValidate
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void importFile();
        }}
      >
        <p className="muted ws-lead">A .scimlab file another ScimLab exported becomes a new workspace here, with a new SCIM key.</p>
        <div className="ws-field">
          <label htmlFor={`${uid}-file`}>File</label>
          <input
            id={`${uid}-file`}
            ref={fileRef}
            type="file"
            accept=".scimlab,application/vnd.sqlite3"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
            }}
            data-testid="workspace-import-file"
          />
        </div>
        <div className="ws-field">
          <label htmlFor={`${uid}-name`}>Name (optional)</label>
          <input
            id={`${uid}-name`}
            value={name}
            maxLength={80}
            spellCheck={false}
            placeholder="the name kept in the file"
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
          />
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
          <button type="submit" className="primary" disabled={!file || busy}>
            {busy ? "Importing…" : "Import and switch"}
          </button>
        </div>
      </form>
    </WorkspaceModal>
  );
}
