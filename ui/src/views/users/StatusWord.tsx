//! A field status as a badge: the engine's word (statusWords.ts), its colour, and its meaning
//! in the tooltip and for screen readers — the one way Users, the user page and Roles show it.

import type { FieldStatus, TargetField } from "../../generated";
import { isStatus, STATUS_TONE, statusSentence } from "./statusWords";

export function StatusWord({ status, field }: { status: FieldStatus | string; field?: TargetField }) {
  if (!isStatus(status)) return <span className="badge neutral">{status}</span>;
  return (
    <span className={`badge ${STATUS_TONE[status]}`} title={statusSentence(status, field)} data-status={status}>
      {status}
    </span>
  );
}
