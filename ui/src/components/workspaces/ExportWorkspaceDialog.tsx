//! "Export workspace", a dialog: the current workspace as one `.scimlab` file (its users,
//! groups, traffic and settings, never its SCIM key), names, emails and ids pseudonymised when
//! ticked (on by default: the file leaves this machine). The desktop asks where with its native
//! dialog and the engine writes the file there; the browser downloads it. A host that can do
//! neither shows the `scimlab workspace export` command to run instead, on its database.

import { useEffect, useRef, useState } from "react";
import type { WorkspaceInfo } from "../../generated";
import { api, host } from "../../platform";
import { messageOf, useToast } from "../../state/toasts";
import { CopyButton } from "../CopyButton";
import { useDialogKeys } from "../useDialogKeys";
import { WorkspaceModal } from "./WorkspaceModal";

/** The CLI command that writes the same file (from database `db` when given). */
export function exportCommand(slug: string, pseudonymise: boolean, db: string | null = null): string {
  const file = `${slug}${pseudonymise ? "-pseudonymised" : ""}.scimlab`;
  return `scimlab workspace export ${slug} -o ${file}${pseudonymise ? " --pseudonymise" : ""}${db ? ` --db "${db}"` : ""}`;
}

/** The desktop's database: `scimlab.db` beside its settings file. */
export function databaseBeside(settingsFile: string): string {
  const cut = Math.max(settingsFile.lastIndexOf("/"), settingsFile.lastIndexOf("\\"));
  return `${settingsFile.slice(0, cut + 1)}scimlab.db`;
}

export function ExportWorkspaceDialog({ workspace, onClose }: { workspace: WorkspaceInfo; onClose: () => void }) {
  const toast = useToast();
  const [pseudonymise, setPseudonymise] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const checkRef = useRef<HTMLInputElement>(null);
  useDialogKeys(dialogRef, onClose, checkRef);
  const native = host.exportWorkspace;
  const save = native ?? host.saveBytes;
  const [db, setDb] = useState<string | null>(null);
  useEffect(() => {
    if (save) return;
    let stale = false;
    host
      .settingsFile()
      .then((f) => !stale && f && setDb(databaseBeside(f)))
      .catch(() => {});
    return () => {
      stale = true;
    };
  }, [save]);

  const download = async () => {
    if (!save || busy) return;
    setBusy(true);
    setError(null);
    try {
      const name = `${workspace.slug}${pseudonymise ? "-pseudonymised" : ""}.scimlab`;
      let where: string | null = null;
      const saveBytes = host.saveBytes;
      if (native) {
        where = await native(workspace.slug, pseudonymise, name);
      } else if (saveBytes) {
        const file = await api.exportWorkspace(workspace.slug, pseudonymise);
        where = await saveBytes(file.name, file.bytes, "application/vnd.sqlite3");
      }
      if (where) {
        toast.info(`Exported “${workspace.name}” to ${where}`);
        onClose();
      } else setBusy(false);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <WorkspaceModal testId="workspace-export-dialog" title={<>Export “{workspace.name}”</>} onClose={onClose} dialogRef={dialogRef}>
      <div className="ws-form">
        <p className="muted ws-lead">
          One <code>.scimlab</code> file with its users, groups, traffic and settings, to import in another ScimLab. Never its SCIM key.
        </p>
        <label className="ws-check">
          <input ref={checkRef} type="checkbox" checked={pseudonymise} onChange={(e) => setPseudonymise(e.target.checked)} data-testid="workspace-export-pseudonymise" />
          Pseudonymise names, emails and ids
        </label>
        <small className="muted ws-indent">
          {pseudonymise
            ? "replaced consistently (the same person stays the same pseudonym); roles and the shape of the data are kept"
            : "the file holds real people's names and emails: share it as you would the directory itself"}
        </small>
        {save ? null : (
          <div className="ws-cli">
            <span className="muted">The desktop app cannot save this file yet. Run:</span>
            <code data-testid="workspace-export-command">{exportCommand(workspace.slug, pseudonymise, db)}</code>
            <CopyButton text={exportCommand(workspace.slug, pseudonymise, db)} />
          </div>
        )}
        {error ? (
          <p className="ws-error" role="alert" data-testid="workspace-error">
            {error}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            {save ? "Cancel" : "Close"}
          </button>
          {save ? (
            <button type="button" className="primary" disabled={busy} onClick={() => void download()} data-testid="workspace-export-download">
              {busy ? "Exporting…" : native ? "Save…" : "Download"}
            </button>
          ) : null}
        </div>
      </div>
    </WorkspaceModal>
  );
}
