//! "Delete workspace", a dialog: says what is erased for good (its users, groups and exchanges,
//! counted fresh when it opens, its SCIM key and its fault rules) and that the IdP pointed at
//! its tenant URL will get 401, then asks for the workspace's name typed before the destructive
//! button works. `default` is never offered here (it is reset in Settings instead).

import { useEffect, useId, useRef, useState } from "react";
import type { WorkspaceInfo } from "../../generated";
import { api } from "../../platform";
import { count } from "../../format";
import { messageOf, useToast } from "../../state/toasts";
import { useDialogKeys } from "../useDialogKeys";
import { WorkspaceModal } from "./WorkspaceModal";

const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/** What deleting `w` erases, in words. */
export function lossOf(w: Pick<WorkspaceInfo, "users" | "groups" | "exchanges" | "tenantUrl">): string {
  return `${plural(w.users, "user", "users")}, ${plural(w.groups, "group", "groups")}, ${plural(w.exchanges, "exchange", "exchanges")}, its SCIM key and its fault rules are erased for good; the IdP pointed at ${w.tenantUrl} will get 401.`;
}

export function DeleteWorkspaceDialog({
  workspace,
  onCancel,
  onDeleted,
}: {
  workspace: WorkspaceInfo;
  onCancel: () => void;
  onDeleted: () => void;
}) {
  const uid = useId();
  const toast = useToast();
  const [fresh, setFresh] = useState<WorkspaceInfo>(workspace);
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const typedRef = useRef<HTMLInputElement>(null);
  useDialogKeys(dialogRef, onCancel, typedRef);

  // the counts as they are now (exchanges may have arrived since the list was read)
  useEffect(() => {
    let stale = false;
    api
      .workspace(workspace.slug)
      .then((w) => !stale && setFresh(w))
      .catch(() => {});
    return () => {
      stale = true;
    };
  }, [workspace.slug]);

  const confirmed = typed.trim() === workspace.name.trim();

  const remove = async () => {
    if (!confirmed || busy) return;
    setBusy(true);
    setError(null);
    try {
      const d = await api.deleteWorkspace(workspace.slug);
      toast.info(`Deleted “${d.name}”: ${plural(d.users, "user", "users")}, ${plural(d.groups, "group", "groups")} and ${plural(d.exchanges, "exchange", "exchanges")} erased.`);
      onDeleted();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <WorkspaceModal testId="workspace-delete-dialog" title={<>Delete “{workspace.name}”?</>} onClose={onCancel} dialogRef={dialogRef} describedBy={`${uid}-loss`}>
      <form
        className="ws-form"
        noValidate
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void remove();
        }}
      >
        <p id={`${uid}-loss`} className="ws-loss" data-testid="workspace-delete-loss">
          {lossOf(fresh)}
        </p>
        <p className="muted ws-lead">Export it first if you may need it again.</p>
        <div className="ws-field">
          <label htmlFor={`${uid}-typed`}>
            Type <b>{workspace.name}</b> to confirm
          </label>
          <input id={`${uid}-typed`} ref={typedRef} value={typed} spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
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
          <button type="submit" className="danger" disabled={!confirmed || busy}>
            {busy ? "Deleting…" : "Delete for good"}
          </button>
        </div>
      </form>
    </WorkspaceModal>
  );
}
