//! "New workspace", a dialog: the name (with the slug and tenant URL it will get, as typed),
//! a template (none, or an IdP's guide setup: its mapping profile, and its steps first on
//! Connect), and optionally another workspace's settings to copy (no data, not its key). The
//! engine's 400 / 409 is shown in the dialog. Escape cancels; Tab stays inside.

import { useId, useRef, useState } from "react";
import type { NewWorkspace, WorkspaceInfo } from "../../generated";
import { api, DEFAULT_WORKSPACE, slugOf, tenantUrlFor } from "../../platform";
import { messageOf } from "../../state/toasts";
import { useDialogKeys } from "../useDialogKeys";
import { WorkspaceModal } from "./WorkspaceModal";

/** The templates offered, as `POST /api/workspaces` names them ("" is none). */
export const TEMPLATES: { value: "" | "entra-guide" | "okta-guide"; label: string }[] = [
  { value: "", label: "None" },
  { value: "entra-guide", label: "Entra ID — guide setup" },
  { value: "okta-guide", label: "Okta — guide setup" },
];

export function CreateWorkspaceDialog({
  workspaces,
  onCancel,
  onCreated,
}: {
  /** The workspaces there are (for the tenant URL's origin, taken slugs, and copying settings). */
  workspaces: WorkspaceInfo[];
  onCancel: () => void;
  onCreated: (w: WorkspaceInfo) => void;
}) {
  const uid = useId();
  const id = (k: string) => `${uid}-${k}`;
  const [name, setName] = useState("");
  const [template, setTemplate] = useState<(typeof TEMPLATES)[number]["value"]>("");
  const [copyFrom, setCopyFrom] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  useDialogKeys(dialogRef, onCancel, nameRef);

  const slug = slugOf(name);
  const origin = workspaces.find((w) => w.slug === DEFAULT_WORKSPACE)?.tenantUrl ?? workspaces[0]?.tenantUrl ?? "";
  const taken = slug !== "" && (slug === DEFAULT_WORKSPACE || workspaces.some((w) => w.slug === slug));
  const ok = slug !== "" && !taken;

  const create = async () => {
    if (!ok || busy) return;
    setBusy(true);
    setError(null);
    const body: NewWorkspace = { name: name.trim() };
    if (template) body.template = template;
    if (copyFrom) body.copySettingsFrom = copyFrom;
    try {
      onCreated(await api.createWorkspace(body));
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <WorkspaceModal testId="workspace-create-dialog" title={<>New workspace</>} onClose={onCancel} dialogRef={dialogRef}>
      <form
        className="ws-form"
        noValidate
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <p className="muted ws-lead">One workspace per customer: its own tenant URL, SCIM key, users, traffic and settings.</p>
        <div className="ws-field">
          <label htmlFor={id("name")}>Name</label>
          <input
            id={id("name")}
            ref={nameRef}
            value={name}
            placeholder="Contoso Entra"
            maxLength={80}
            spellCheck={false}
            aria-invalid={name.trim() !== "" && !ok ? true : undefined}
            aria-describedby={id("preview")}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
          />
          <small id={id("preview")} className="ws-preview" data-testid="workspace-create-preview">
            {slug === "" ? (
              name.trim() === "" ? (
                "the slug and tenant URL follow the name"
              ) : (
                "use letters or digits: the slug is made of them"
              )
            ) : taken ? (
              <span className="ws-bad">
                slug <code>{slug}</code> is taken: choose another name
              </span>
            ) : (
              <>
                slug <code data-testid="workspace-create-slug">{slug}</code> · tenant URL{" "}
                <code data-testid="workspace-create-url">{tenantUrlFor(slug, origin)}</code>
              </>
            )}
          </small>
        </div>
        <fieldset className="ws-field ws-templates">
          <legend>Template</legend>
          {TEMPLATES.map((t) => (
            <label key={t.value || "none"} className="ws-radio">
              <input type="radio" name={id("template")} value={t.value} checked={template === t.value} onChange={() => setTemplate(t.value)} />
              {t.label}
            </label>
          ))}
          <small className="muted">a guide setup chooses that IdP's mapping profile and puts its steps first on Connect</small>
        </fieldset>
        <div className="ws-field">
          <label htmlFor={id("copy")}>Copy settings from</label>
          <select id={id("copy")} value={copyFrom} onChange={(e) => setCopyFrom(e.target.value)} aria-describedby={id("copy-hint")}>
            <option value="">nothing: start with the defaults</option>
            {workspaces.map((w) => (
              <option key={w.slug} value={w.slug}>
                {w.name}
              </option>
            ))}
          </select>
          <small className="muted" id={id("copy-hint")}>
            its mapping profiles, fault rules, strict mode and retention; none of its data, not its key
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
            {busy ? "Creating…" : "Create and switch"}
          </button>
        </div>
      </form>
    </WorkspaceModal>
  );
}
