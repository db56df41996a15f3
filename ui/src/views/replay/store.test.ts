//! Tests of the replay store's pure parts: events and status answers applied in any order, the
//! selection in words, and what Traffic's "Replay against…" replays.

import { describe, expect, it } from "vitest";
import type { ReplaySummary } from "../../generated";
import { NO_FILTERS } from "../traffic/filters";
import { MAX_IDS, trafficReplay } from "./fromTraffic";
import { applyReplayEvent, applyReplayStatus, selectionText, startedReplay } from "./store";

const P = { phase: "replaying", done: 1, estimatedTotal: 2, passed: 1, failed: 0, skipped: 0 };
const S = { target: "https://t.example/scim/v2", selected: 2, outcome: "passed" } as ReplaySummary;

describe("applyReplayEvent", () => {
  it("follows its replay's progress and end; applying twice changes nothing", () => {
    const run = startedReplay("a", { what: "2 selected exchanges" });
    const p = applyReplayEvent(run, { type: "replay.progress", id: "a", progress: P })!;
    expect(p.progress).toEqual(P);
    const f = applyReplayEvent(p, { type: "replay.finished", id: "a", summary: S })!;
    expect([f.state, f.summary, f.what, f.steps]).toEqual(["finished", S, "2 selected exchanges", null]);
    expect(applyReplayEvent(f, { type: "replay.finished", id: "a", summary: S })).toBe(f);
    expect(applyReplayEvent(f, { type: "replay.progress", id: "a", progress: P })).toBe(f);
  });

  it("never lets another replay's events replace a running one, and adopts them otherwise", () => {
    const run = startedReplay("a");
    expect(applyReplayEvent(run, { type: "replay.progress", id: "b", progress: P })).toBe(run);
    expect(applyReplayEvent(run, { type: "replay.finished", id: "b", summary: S })).toBe(run);
    const adopted = applyReplayEvent(null, { type: "replay.finished", id: "b", summary: S })!;
    expect([adopted.id, adopted.state, adopted.target, adopted.selected]).toEqual(["b", "finished", S.target, 2]);
    expect(applyReplayEvent(run, { type: "replay.failed", id: "a", error: "boom" })).toMatchObject({ state: "failed", error: "boom" });
  });

  it("takes the steps from a finished status, only the progress from a running one", () => {
    const run = startedReplay("a");
    const status = { id: "a", state: "running" as const, progress: P, steps: [], summary: null, error: null };
    expect(applyReplayStatus(run, status)).toMatchObject({ state: "running", progress: P, steps: null });
    expect(applyReplayStatus(run, { ...status, state: "finished", summary: S })).toMatchObject({ state: "finished", steps: [], summary: S });
    expect(applyReplayStatus(run, { ...status, id: "b" })).toBe(run);
    expect(applyReplayStatus(run, { ...status, error: "no client" })).toMatchObject({ state: "failed", error: "no client" });
  });
});

describe("selectionText", () => {
  it("says what is selected", () => {
    expect(selectionText({ writesOnly: false, ids: [1, 2, 3] })).toBe("3 selected exchanges");
    expect(selectionText({ writesOnly: false, ids: [7] })).toBe("1 selected exchange");
    expect(selectionText({ writesOnly: false, user: "ada@x" })).toBe("every exchange of user ada@x");
    expect(selectionText({ writesOnly: false, idp: "okta" })).toBe("every exchange from Okta");
    expect(selectionText({ writesOnly: false })).toBe("every captured exchange");
    expect(selectionText({ writesOnly: true, fromId: 10, toId: 20 })).toBe("every write #10 to #20");
  });
});

describe("trafficReplay", () => {
  const rows = [{ id: 9 }, { id: 7 }, { id: 4 }];
  it("replays the ticked rows, oldest first", () => {
    expect(trafficReplay(new Set([9, 4]), NO_FILTERS, rows)).toEqual({ selection: { writesOnly: false, ids: [4, 9] }, what: "2 selected exchanges" });
  });
  it("with nothing ticked: everything, one IdP, or the ids the other filters list", () => {
    expect(trafficReplay(new Set(), NO_FILTERS, rows).selection).toEqual({ writesOnly: false });
    expect(trafficReplay(new Set(), { ...NO_FILTERS, idp: "entra" }, rows)).toEqual({ selection: { idp: "entra", writesOnly: false }, what: "every exchange from Entra ID" });
    expect(trafficReplay(new Set(), { ...NO_FILTERS, idp: "entra", status: "4xx" }, rows)).toEqual({
      selection: { writesOnly: false, ids: [4, 7, 9] },
      what: "the 3 exchanges the filters show",
    });
    expect(trafficReplay(new Set(), { ...NO_FILTERS, q: "ada" }, rows, 600).what).toBe("the 3 exchanges listed (of 600 matching: scroll to list more)");
  });
  it("sends at most MAX_IDS ids, the newest", () => {
    const many = Array.from({ length: MAX_IDS + 10 }, (_, i) => ({ id: MAX_IDS + 10 - i }));
    const r = trafficReplay(new Set(), { ...NO_FILTERS, method: "POST" }, many);
    expect(r.selection.ids).toHaveLength(MAX_IDS);
    expect(r.selection.ids![0]).toBe(11);
    expect(r.what).toBe("the newest 5,000 of the 5,010 exchanges listed");
  });
});
