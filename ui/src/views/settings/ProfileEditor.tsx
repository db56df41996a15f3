//! The mapping-profile editor: the profile's name, then for each target field its ordered
//! source paths (edit, move up/down, remove, add), the save error inline beside the path it
//! names, and save/cancel. Stateless apart from the "add a source" inputs; every change goes
//! through the pure operations in profileEditing.ts and back to the owner via `onChange`.

import { useState } from "react";
import type { MappingProfile, TargetField } from "../../generated";
import { addSource, badSourceOf, moveSource, removeSource, setSource, sourcesOf, TARGET_FIELDS } from "./profileEditing";

const FIELD_HINT: Record<TargetField, string> = {
  userName: "the sign-in name",
  displayName: "the name shown in the app",
  email: "where the app sends mail",
  role: "Member or Admin; Member when nothing arrives",
};

export function ProfileEditor({
  draft,
  onChange,
  onSave,
  onCancel,
  saving,
  error,
  isNew,
}: {
  draft: MappingProfile;
  onChange: (p: MappingProfile) => void;
  onSave: () => void;
  onCancel: () => void;
  saving: boolean;
  error: string | null;
  isNew: boolean;
}) {
  const [adding, setAdding] = useState<Record<string, string>>({});
  const bad = badSourceOf(error);
  return (
    <div className="profile-editor" data-testid="profile-editor">
      <div className="row">
        <label className="field-label">
          name
          <input value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} aria-label="profile name" />
        </label>
        <span className="muted">
          id <code>{draft.id}</code>
        </span>
      </div>
      <p className="muted small">
        Each field reads its sources in order; the first that holds a usable value wins. Paths look like{" "}
        <code>userName</code>, <code>emails[type eq "work"].value</code>, <code>roles[primary eq true].value</code>,{" "}
        <code>*:employeeType</code> (any extension), <code>name.givenName + name.familyName</code>.
      </p>
      {TARGET_FIELDS.map((field) => {
        const sources = sourcesOf(draft, field);
        const pending = adding[field] ?? "";
        const add = () => {
          if (!pending.trim()) return;
          onChange(addSource(draft, field, pending));
          setAdding((a) => ({ ...a, [field]: "" }));
        };
        return (
          <div key={field} className="editor-field" data-field={field}>
            <div className="row">
              <strong>{field}</strong>
              <span className="muted small">{FIELD_HINT[field]}</span>
            </div>
            {sources.length === 0 ? <div className="muted small">no source: this field is never read</div> : null}
            <ol className="source-list">
              {sources.map((s, i) => (
                <li key={i} className="row" data-testid={`source-${field}-${i}`}>
                  <span className="source-n">{i + 1}</span>
                  <input
                    className={`mono grow ${bad && bad.field === field && bad.index === i ? "bad-input" : ""}`}
                    aria-invalid={bad !== null && bad.field === field && bad.index === i}
                    value={s}
                    aria-label={`${field} source ${i + 1}`}
                    onChange={(e) => onChange(setSource(draft, field, i, e.target.value))}
                  />
                  <button className="small" aria-label={`move ${field} source ${i + 1} up`} disabled={i === 0} onClick={() => onChange(moveSource(draft, field, i, -1))}>
                    ↑
                  </button>
                  <button
                    className="small"
                    aria-label={`move ${field} source ${i + 1} down`}
                    disabled={i === sources.length - 1}
                    onClick={() => onChange(moveSource(draft, field, i, 1))}
                  >
                    ↓
                  </button>
                  <button className="small" aria-label={`remove ${field} source ${i + 1}`} onClick={() => onChange(removeSource(draft, field, i))}>
                    ✕
                  </button>
                </li>
              ))}
            </ol>
            <div className="row add-source">
              <input
                className="mono grow"
                placeholder="add a source path…"
                aria-label={`new ${field} source`}
                value={pending}
                onChange={(e) => setAdding((a) => ({ ...a, [field]: e.target.value }))}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    add();
                  }
                }}
              />
              <button className="small" onClick={add} disabled={!pending.trim()} aria-label={`add ${field} source`}>
                add
              </button>
            </div>
          </div>
        );
      })}
      {error ? (
        <div className="editor-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="row editor-actions">
        <button className="primary" onClick={onSave} disabled={saving || !draft.name.trim()}>
          {saving ? "saving…" : isNew ? "Save profile" : "Save changes"}
        </button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
