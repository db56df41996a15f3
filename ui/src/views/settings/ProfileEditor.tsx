//! The mapping-profile editor: the profile's name, then for each target field its ordered
//! source paths (edit, move up/down, remove, add). Every path is checked by the engine as the
//! admin types (usePathChecks): what is wrong shows under the input, and save stays disabled
//! while a path does not parse; the save error, if any, is shown beside the path it names. Paths
//! stored users carry are suggested (a datalist on every input, and a list with user counts
//! under the field being added to). Stateless apart from the "add a source" inputs; every change
//! goes through the pure operations in profileEditing.ts and back to the owner via `onChange`.

import { useRef, useState } from "react";
import type { MappingProfile, TargetField } from "../../generated";
import { count } from "../../format";
import { addSource, badSourceOf, moveSource, removeSource, setSource, sourcesOf, TARGET_FIELDS } from "./profileEditing";
import { suggestionsFor, usePathChecks, useSeenPaths } from "./usePathChecks";

const SEEN_LIST_ID = "seen-attribute-paths";

/** What is wrong with a path, under its input. */
function PathError({ id, error }: { id: string; error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div className="field-error path-error" id={id} data-testid={id}>
      {error}
    </div>
  );
}

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
  const [suggestFor, setSuggestFor] = useState<TargetField | null>(null);
  const addInputs = useRef<Partial<Record<TargetField, HTMLInputElement | null>>>({});
  const bad = badSourceOf(error);
  const { users: seenUsers, paths: seen } = useSeenPaths();
  const onScreen = [...draft.fields.flatMap((f) => f.sources), ...Object.values(adding)];
  const checks = usePathChecks(onScreen);
  return (
    <div className="profile-editor" data-testid="profile-editor">
      <datalist id={SEEN_LIST_ID}>
        {seen.map((s) => (
          <option key={s.path} value={s.path} label={`${count(s.users)} ${s.users === 1 ? "user" : "users"}`} />
        ))}
      </datalist>
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
        const pendingError = checks.errorOf(pending);
        const add = () => {
          if (!pending.trim() || pendingError) return;
          onChange(addSource(draft, field, pending));
          setAdding((a) => ({ ...a, [field]: "" }));
        };
        const suggestions = suggestFor === field ? suggestionsFor(seen, pending, sources) : [];
        return (
          <div key={field} className="editor-field" data-field={field}>
            <div className="row">
              <strong>{field}</strong>
              <span className="muted small">{FIELD_HINT[field]}</span>
            </div>
            {sources.length === 0 ? <div className="muted small">no source: this field is never read</div> : null}
            <ol className="source-list">
              {sources.map((s, i) => {
                const typedError = checks.errorOf(s);
                const saveError = bad !== null && bad.field === field && bad.index === i;
                const errorId = `path-error-${field}-${i}`;
                return (
                  <li key={i} data-testid={`source-${field}-${i}`}>
                    <div className="row source-row">
                      <span className="source-n">{i + 1}</span>
                      <input
                        className={`mono grow ${saveError || typedError ? "bad-input" : ""}`}
                        aria-invalid={saveError || Boolean(typedError)}
                        aria-describedby={typedError ? errorId : undefined}
                        value={s}
                        list={SEEN_LIST_ID}
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
                    </div>
                    <PathError id={errorId} error={typedError} />
                  </li>
                );
              })}
            </ol>
            <div className="row add-source">
              <input
                ref={(el) => {
                  addInputs.current[field] = el;
                }}
                className={`mono grow ${pendingError ? "bad-input" : ""}`}
                placeholder="add a source path…"
                aria-label={`new ${field} source`}
                aria-invalid={Boolean(pendingError)}
                aria-describedby={pendingError ? `path-error-${field}-new` : undefined}
                list={SEEN_LIST_ID}
                value={pending}
                onFocus={() => setSuggestFor(field)}
                onChange={(e) => {
                  setSuggestFor(field);
                  setAdding((a) => ({ ...a, [field]: e.target.value }));
                }}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    add();
                  } else if (e.key === "Escape") {
                    setSuggestFor(null);
                  }
                }}
              />
              <button className="small" onClick={add} disabled={!pending.trim() || Boolean(pendingError)} aria-label={`add ${field} source`}>
                add
              </button>
            </div>
            <div className="add-source-below">
              <PathError id={`path-error-${field}-new`} error={pendingError} />
              {suggestions.length > 0 ? (
                <div className="path-suggestions" data-testid={`suggestions-${field}`}>
                  <span className="muted small">
                    seen on the {count(seenUsers)} {seenUsers === 1 ? "user" : "users"} stored most recently:
                  </span>
                  <ul aria-label={`suggested ${field} sources`}>
                    {suggestions.map((sug) => (
                      <li key={sug.path}>
                        <button
                          type="button"
                          className="suggestion"
                          // keep the input focused: a click must not close the list first
                          onMouseDown={(e) => e.preventDefault()}
                          onClick={() => {
                            setAdding((a) => ({ ...a, [field]: sug.path }));
                            addInputs.current[field]?.focus();
                          }}
                        >
                          <code>{sug.path}</code>
                          <span className="muted small">
                            {count(sug.users)} {sug.users === 1 ? "user" : "users"}
                          </span>
                        </button>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
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
        <button className="primary" onClick={onSave} disabled={saving || !draft.name.trim() || checks.invalid}>
          {saving ? "saving…" : isNew ? "Save profile" : "Save changes"}
        </button>
        <button onClick={onCancel}>Cancel</button>
        {checks.invalid ? <span className="field-error">a path above does not parse: fix it to save</span> : null}
      </div>
    </div>
  );
}
