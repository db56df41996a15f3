import { describe, expect, it } from "vitest";
import type { ExchangeSummary } from "../../generated";
import { CAP, feedReducer, INITIAL, type FeedState } from "./feed";

const r = (id: number): ExchangeSummary => ({
  id, at: "", method: "GET", path: "/", query: "", status: 200, latencyMs: 1, idp: "entra",
  operation: "read", resourceType: null, resourceId: null, resourceName: null, quirks: [],
});
const ids = (s: FeedState) => s.rows.map((x) => x.id);
const loaded = (list: number[], nextBefore: number | null = null) =>
  feedReducer(INITIAL, { type: "loaded", page: { items: list.map(r), nextBefore, total: null, requests: null } });

describe("feedReducer", () => {
  it("keeps live rows that arrived while a reload ran (the page may predate them)", () => {
    let s = feedReducer(loaded([3, 2, 1]), { type: "loading" });
    s = feedReducer(s, { type: "incoming", rows: [r(5), r(4)], scrolledDown: false });
    s = feedReducer(s, { type: "loaded", page: { items: [r(4), r(3)], nextBefore: null, total: null, requests: null } });
    expect(ids(s)).toEqual([5, 4, 3]);
    expect(s.arrived).toEqual([]);
    // while paused they are held, not lost
    let p = feedReducer(feedReducer(loaded([1]), { type: "pause" }), { type: "loading" });
    p = feedReducer(p, { type: "incoming", rows: [r(7)], scrolledDown: false });
    p = feedReducer(p, { type: "loaded", page: { items: [r(6)], nextBefore: null, total: null, requests: null } });
    expect(ids(p)).toEqual([6]);
    expect(p.pending.map((x) => x.id)).toEqual([7]);
  });

  it("prepends live rows newest first and ignores ones already shown", () => {
    let s = loaded([3, 2, 1]);
    s = feedReducer(s, { type: "incoming", rows: [r(5), r(4), r(3)], scrolledDown: false });
    expect(ids(s)).toEqual([5, 4, 3, 2, 1]);
    expect(s.unseen).toBe(0);
  });

  it("replaces a fold of rejected requests that grew, in place", () => {
    const fold = (n: number): ExchangeSummary => ({ ...r(2), status: 401, foldCount: n, lastAt: `t${n}` });
    let s = feedReducer(loaded([3, 2]), { type: "incoming", rows: [fold(1)], scrolledDown: false });
    expect(s.rows[1].foldCount).toBe(1);
    s = feedReducer(s, { type: "incoming", rows: [r(4), fold(7)], scrolledDown: false });
    expect(ids(s)).toEqual([4, 3, 2]);
    expect(s.rows[2].foldCount).toBe(7);
    expect(s.rows[2].lastAt).toBe("t7");
    // held rows too, while paused
    let p = feedReducer(feedReducer(loaded([2]), { type: "pause" }), { type: "incoming", rows: [fold(1)], scrolledDown: false });
    p = feedReducer(p, { type: "incoming", rows: [fold(9)], scrolledDown: false });
    expect(p.rows[0].foldCount).toBe(9);
  });

  it("counts rows that arrive while scrolled down", () => {
    let s = loaded([1]);
    s = feedReducer(s, { type: "incoming", rows: [r(3), r(2)], scrolledDown: true });
    s = feedReducer(s, { type: "incoming", rows: [r(4)], scrolledDown: true });
    expect(s.unseen).toBe(3);
    expect(feedReducer(s, { type: "seen" }).unseen).toBe(0);
  });

  it("holds rows while paused and applies them on resume", () => {
    let s = feedReducer(loaded([1]), { type: "pause" });
    s = feedReducer(s, { type: "incoming", rows: [r(2)], scrolledDown: false });
    s = feedReducer(s, { type: "incoming", rows: [r(4), r(3), r(2)], scrolledDown: false });
    expect(ids(s)).toEqual([1]);
    expect(s.pending.map((x) => x.id)).toEqual([4, 3, 2]);
    s = feedReducer(s, { type: "resume", scrolledDown: false });
    expect(ids(s)).toEqual([4, 3, 2, 1]);
    expect(s.pending).toEqual([]);
    expect(s.paused).toBe(false);
  });

  it("appends older pages without duplicates", () => {
    let s = loaded([10, 9], 9);
    s = feedReducer(s, { type: "more", page: { items: [r(9), r(8), r(7)], nextBefore: 7, total: null, requests: null } });
    expect(ids(s)).toEqual([10, 9, 8, 7]);
    expect(s.nextBefore).toBe(7);
  });

  it("caps memory at CAP rows, dropping the oldest", () => {
    const big = Array.from({ length: CAP }, (_, i) => CAP - i); // CAP..1
    let s = loaded(big, 1);
    s = feedReducer(s, { type: "incoming", rows: [r(CAP + 2), r(CAP + 1)], scrolledDown: false });
    expect(s.rows.length).toBe(CAP);
    expect(s.rows[0].id).toBe(CAP + 2);
    expect(s.rows[CAP - 1].id).toBe(3);
    expect(s.capped).toBe(true);
    expect(s.nextBefore).toBeNull();
  });

  it("keeps the true total: the first page's count, plus each newer live row (held ones too)", () => {
    const page = (items: number[], total: number | null) => ({ items: items.map(r), nextBefore: null, total, requests: total });
    let s = feedReducer(INITIAL, { type: "loaded", page: page([5450, 5449], 5450) });
    expect(s.total).toEqual({ total: 5450, top: 5450 });
    s = feedReducer(s, { type: "incoming", rows: [r(5452), r(5451)], scrolledDown: false });
    expect(s.total?.total).toBe(5452);
    // a fold that grew is not a new exchange
    s = feedReducer(s, { type: "incoming", rows: [{ ...r(5449), status: 401, foldCount: 9 }], scrolledDown: false });
    expect(s.total?.total).toBe(5452);
    s = feedReducer(feedReducer(s, { type: "pause" }), { type: "incoming", rows: [r(5453)], scrolledDown: false });
    expect(s.total?.total).toBe(5453);
    // a re-queried page (free text) brings its own count
    s = feedReducer(s, { type: "incoming", rows: [r(5453)], scrolledDown: false, tally: { total: 12, top: 5453 } });
    expect(s.total?.total).toBe(12);
    // rows that arrived while a reload ran are added to the reloaded count
    let t = feedReducer(s, { type: "loading" });
    t = feedReducer(t, { type: "incoming", rows: [r(6001)], scrolledDown: false });
    t = feedReducer(t, { type: "loaded", page: page([6000], 6000) });
    expect(t.total).toEqual({ total: 6001, top: 6001 });
    // an engine that does not count
    expect(feedReducer(INITIAL, { type: "loaded", page: page([1], null) }).total).toBeNull();
  });
});
