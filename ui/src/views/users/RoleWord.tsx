//! The role a user gets, as a badge in the shared status words: `Admin`, `Member`, or — when the
//! role that arrived was not usable — `invalid → Member`; the tooltip says why in the words of
//! statusWords.ts (`defaulted — no role arrived, so Member`). Used by the Users list, the user
//! page and the Roles drill-down.

import type { FieldStatus } from "../../generated";
import { STATUS_TONE, statusSentence } from "./statusWords";

/** The statuses where the role shown is not what arrived. */
const NOT_READ: FieldStatus[] = ["missing", "invalid", "ambiguous", "misnamed"];

export function RoleWord({ role, status }: { role: string; status?: FieldStatus | null }) {
  const why = status ? statusSentence(status, "role") : undefined;
  if (status && NOT_READ.includes(status)) {
    return (
      <span className={`badge ${STATUS_TONE[status]}`} title={why} data-status={status}>
        {status} → {role}
      </span>
    );
  }
  return (
    <span className={`badge role-${role.toLowerCase()}`} title={why} data-status={status ?? undefined}>
      {role}
    </span>
  );
}
