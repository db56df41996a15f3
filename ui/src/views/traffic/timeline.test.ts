import { afterEach, describe, expect, it, vi } from "vitest";
import type { Cycle, Timeline } from "../../generated";
import { axisLabel, bucketLabel, cycleLabel, layoutTimeline, throttle } from "./timeline";

/** An ISO instant at a local time of day (the labels are local). */
const local = (h: number, m: number, s = 0) => new Date(2026, 10, 28, h, m, s).toISOString();

const cycle = (over: Partial<Cycle> = {}): Cycle => ({
  idp: "entra",
  kind: "cycle",
  start: local(14, 2, 5),
  end: local(14, 3, 40),
  requests: 42,
  failed: 2,
  operations: [],
  firstId: 10,
  lastId: 51,
  summary: "37 creates, 3 updates, 2 failed",
  ...over,
});

const bucket = (h: number, m: number, ok: number, clientError = 0, serverError = 0, refused = 0) => ({
  at: local(h, m),
  ok,
  clientError,
  serverError,
  refused,
});

const timeline = (over: Partial<Timeline> = {}): Timeline => ({
  bucketMinutes: 1,
  buckets: [bucket(14, 2, 40, 2), bucket(14, 3, 0), bucket(14, 4, 500, 0, 1, 3)],
  cycles: [cycle()],
  exchanges: 546,
  ...over,
});

describe("cycle words", () => {
  it("names the IdP as its maker does, with the local time and the summary", () => {
    expect(cycleLabel(cycle())).toBe("Entra ID cycle at 14:02 — 37 creates, 3 updates, 2 failed");
    expect(cycleLabel(cycle({ idp: "okta", kind: "push", start: local(9, 5), summary: "1 create" }))).toBe("Okta push at 09:05 — 1 create");
    expect(cycleLabel(cycle({ idp: "okta", kind: "connection-test", summary: "2 connection tests" }))).toBe(
      "Okta connection test at 14:02 — 2 connection tests",
    );
    expect(cycleLabel(cycle({ idp: "other", kind: "burst", summary: "3 reads" }))).toBe("Burst from another client at 14:02 — 3 reads");
  });

  it("says a bucket's counts, and the axis its span and bar width", () => {
    expect(bucketLabel(bucket(14, 2, 40, 2, 1, 3), 1)).toBe("14:02 — 40 ok, 3 refused, 2 4xx, 1 5xx");
    expect(bucketLabel(bucket(14, 0, 0), 5)).toBe("14:00–14:05 — no requests");
    const t = timeline();
    expect(axisLabel(t)).toBe("14:02–14:05 · 1-min bars");
    expect(axisLabel({ ...t, bucketMinutes: 60 })).toMatch(/1-h bars$/);
    expect(axisLabel({ ...t, buckets: [] })).toBe("");
  });
});

describe("layout", () => {
  it("stacks each bucket's outcomes, failures at the base, scaled to the busiest bucket", () => {
    // 3 buckets on an axis of at least 20 slots, the newest at the right: 600 px gives 30 px a slot
    const { bars, from, to } = layoutTimeline(timeline(), 600, 45, 5);
    expect(bars).toHaveLength(3);
    expect(bars.map((b) => Math.round(b.x))).toEqual([511, 541, 571]);
    expect(bars[0].w).toBe(28);
    expect(to - from).toBe(20 * 60_000);
    expect(to).toBe(Date.parse(local(14, 5)));
    const [first, empty, busiest] = bars;
    expect(empty.segments).toEqual([]);
    // the busiest bucket fills the plot (40 units under the 5-unit cap band)
    const top = Math.min(...busiest.segments.map((s) => s.y));
    expect(top).toBeCloseTo(5, 5);
    expect(busiest.segments.map((s) => s.outcome)).toEqual(["serverError", "refused", "ok"]);
    // one 5xx among 504 requests is still visible
    expect(busiest.segments[0].h).toBeGreaterThanOrEqual(2);
    expect(busiest.segments[0].y + busiest.segments[0].h).toBe(45);
    expect(first.segments.map((s) => s.outcome)).toEqual(["clientError", "ok"]);
    expect(first.total).toBe(42);
    expect(first.label).toBe("14:02 — 40 ok, 2 4xx");
  });

  it("places cycles on the time axis, a short one still wide enough to point at", () => {
    const t = timeline({ cycles: [cycle(), cycle({ start: local(14, 4, 30), end: local(14, 4, 30), idp: "okta" })] });
    const { cycles } = layoutTimeline(t, 1200, 45);
    // 14:02:05 → 14:03:40 on an axis of 20 minutes to 14:05, from 13:45 (1 200 px: 1 px a second)
    expect(cycles[0].x).toBeCloseTo(17 * 60 + 5, 3);
    expect(cycles[0].w).toBeCloseTo(95, 3);
    expect(cycles[1].w).toBe(4);
    expect(cycles[0].label).toContain("Entra ID cycle at 14:02");
  });

  it("draws nothing for an empty timeline", () => {
    expect(layoutTimeline(timeline({ buckets: [], cycles: [] }), 300, 45).bars).toEqual([]);
  });

  it("spreads many buckets over the whole width", () => {
    const buckets = Array.from({ length: 100 }, (_, i) => bucket(10 + Math.floor(i / 60), i % 60, 1));
    const { bars } = layoutTimeline(timeline({ buckets, cycles: [] }), 1000, 45);
    expect(bars[99].x + bars[99].w).toBeCloseTo(1000 - 1, 0);
  });
});

describe("throttle", () => {
  afterEach(() => vi.useRealTimers());

  it("runs at once, then at most once every 2 s, folding the calls in between into one", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 2000);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    t();
    t();
    vi.advanceTimersByTime(1999);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(10_000);
    expect(fn).toHaveBeenCalledTimes(2);
    t();
    expect(fn).toHaveBeenCalledTimes(3);
    t();
    t.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
