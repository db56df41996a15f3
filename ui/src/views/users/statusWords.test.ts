//! Tests of the one status vocabulary: the engine's words, a meaning for each (the role's ending in the role the user gets), the tones.

import { describe, expect, it } from "vitest";
import { isStatus, meaning, STATUSES, STATUS_TONE, statusSentence } from "./statusWords";

describe("status words", () => {
  it("are exactly the engine's FieldStatus words", () => {
    expect(STATUSES).toEqual(["mapped", "defaulted", "missing", "invalid", "ambiguous", "misnamed"]);
    expect(isStatus("defaulted")).toBe(true);
    expect(isStatus("default")).toBe(false);
    expect(isStatus(null)).toBe(false);
  });
  it("say what each status means, for the role in terms of the role the user gets", () => {
    expect(statusSentence("defaulted", "role")).toBe("defaulted — no role arrived, so Member");
    expect(statusSentence("invalid", "role")).toBe("invalid — a value that is not exactly Member or Admin arrived, so Member");
    expect(statusSentence("missing", "email")).toBe("missing — nothing usable arrived, so the field stays empty");
    for (const s of STATUSES) {
      expect(meaning(s, "role")).not.toBe("");
      expect(meaning(s)).not.toBe("");
    }
  });
  it("colour problems by how serious they are", () => {
    expect(STATUS_TONE.mapped).toBe("good");
    expect(STATUS_TONE.defaulted).toBe("neutral");
    expect(STATUS_TONE.invalid).toBe("bad");
    expect(STATUS_TONE.missing).toBe("warn");
  });
});
