//! The one vocabulary for how a target field was filled, shared by the Users list, the user
//! page and the Roles screen: exactly the engine's FieldStatus words (mapped, defaulted,
//! missing, invalid, ambiguous, misnamed), their tone, and what each means in plain words —
//! for any field, and for the role (where every status ends in the role the user gets).
//! No React here so every sentence is unit-tested.

import type { FieldStatus, TargetField } from "../../generated";

/** Every status, in the order screens list them. */
export const STATUSES: FieldStatus[] = ["mapped", "defaulted", "missing", "invalid", "ambiguous", "misnamed"];

/** The problem statuses, most serious first (the order a summary names them). */
export const PROBLEMS: FieldStatus[] = ["invalid", "misnamed", "ambiguous", "missing"];

export type Tone = "good" | "neutral" | "warn" | "bad";

/** The colour of each status (the badge class). */
export const STATUS_TONE: Record<FieldStatus, Tone> = {
  mapped: "good",
  defaulted: "neutral",
  missing: "warn",
  invalid: "bad",
  ambiguous: "warn",
  misnamed: "bad",
};

/** What a status means for any field. */
export const FIELD_MEANING: Record<FieldStatus, string> = {
  mapped: "a usable value arrived and was read",
  defaulted: "nothing arrived, so the default applies",
  missing: "nothing usable arrived, so the field stays empty",
  invalid: "a value arrived that the field cannot take",
  ambiguous: "two sources disagree: the first one wins",
  misnamed: "sent under a name in another case (Mail for mail): not read",
};

/** What a status means for the role (every one ends in the role the user gets). */
export const ROLE_MEANING: Record<FieldStatus, string> = {
  mapped: "Member or Admin arrived and was read",
  defaulted: "no role arrived, so Member",
  missing: "no usable role arrived, so Member",
  invalid: "a value that is not exactly Member or Admin arrived, so Member",
  ambiguous: "two sources disagree on the role: the first one wins",
  misnamed: "sent under a name in another case (Role for role): not read, so Member",
};

/** What `status` means, for the role or for any other field. */
export function meaning(status: FieldStatus, field?: TargetField): string {
  return field === "role" ? ROLE_MEANING[status] : FIELD_MEANING[status];
}

/** The status and its meaning in one line: `defaulted — no role arrived, so Member`. */
export function statusSentence(status: FieldStatus, field?: TargetField): string {
  return `${status} — ${meaning(status, field)}`;
}

/** Whether `s` is one of the engine's status words. */
export function isStatus(s: string | null | undefined): s is FieldStatus {
  return (STATUSES as (string | null | undefined)[]).includes(s);
}
