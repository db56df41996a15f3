//! The "Duplicate to edit" form: the new profile's name and id (the id follows the name until
//! the admin types one), why the id cannot be used, and the step on to the editor.

import type { MappingProfile } from "../../generated";
import { newIdProblem, slugify } from "./profileEditing";

/** The duplicate being named: the profile it copies, the new name and id, whether the id was typed. */
export interface PendingDuplicate {
  from: MappingProfile;
  name: string;
  id: string;
  idTouched: boolean;
}

export function DuplicateProfileForm({
  dup,
  profiles,
  onChange,
  onContinue,
  onCancel,
}: {
  dup: PendingDuplicate;
  profiles: MappingProfile[];
  onChange: (dup: PendingDuplicate) => void;
  onContinue: () => void;
  onCancel: () => void;
}) {
  const idProblem = newIdProblem(dup.id, profiles);
  return (
    <div className="dup-form card" data-testid="dup-form">
      <h4>Duplicate {dup.from.name}</h4>
      <div className="row">
        <label className="field-label">
          name
          <input
            autoFocus
            value={dup.name}
            aria-label="new profile name"
            onChange={(e) => onChange({ ...dup, name: e.target.value, id: dup.idTouched ? dup.id : slugify(e.target.value) })}
          />
        </label>
        <label className="field-label">
          id
          <input
            className="mono"
            value={dup.id}
            aria-label="new profile id"
            onChange={(e) => onChange({ ...dup, id: e.target.value, idTouched: true })}
          />
        </label>
      </div>
      {idProblem ? <div className="muted small">{idProblem}</div> : null}
      <div className="row editor-actions">
        <button className="primary" disabled={idProblem !== null || !dup.name.trim()} onClick={onContinue}>
          Continue to edit
        </button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
