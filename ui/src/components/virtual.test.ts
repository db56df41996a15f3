import { describe, expect, it } from "vitest";
import { act, renderHook } from "@testing-library/react";
import { scrollTopFor, useVirtualRows, visibleRange } from "./virtual";

describe("visibleRange", () => {
  const base = { rowHeight: 30, viewportHeight: 300, overscan: 5 };

  it("renders the first screen plus overscan below at the top", () => {
    expect(visibleRange({ ...base, count: 100_000, scrollTop: 0 })).toEqual({ start: 0, end: 15, offset: 0, total: 3_000_000 });
  });

  it("keeps the DOM small in the middle of 100 000 rows", () => {
    const r = visibleRange({ ...base, count: 100_000, scrollTop: 1_500_000 });
    expect(r.start).toBe(50_000 - 5);
    expect(r.end).toBe(50_000 + 10 + 5);
    expect(r.offset).toBe(r.start * 30);
    expect(r.end - r.start).toBeLessThanOrEqual(21);
  });

  it("counts a partly visible row", () => {
    const r = visibleRange({ ...base, overscan: 0, count: 1000, scrollTop: 15 });
    expect(r.start).toBe(0);
    expect(r.end).toBe(11); // rows 0..10, row 0 and row 10 are half visible
  });

  it("clamps past the end (e.g. after rows were removed)", () => {
    const r = visibleRange({ ...base, count: 20, scrollTop: 99_999 });
    expect(r.end).toBe(20);
    expect(r.start).toBe(10 - 5);
  });

  it("handles fewer rows than a screen and no rows", () => {
    expect(visibleRange({ ...base, count: 3, scrollTop: 0 })).toEqual({ start: 0, end: 3, offset: 0, total: 90 });
    expect(visibleRange({ ...base, count: 0, scrollTop: 50 })).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
  });
});

describe("scrollTopFor", () => {
  it("leaves a visible row alone", () => {
    expect(scrollTopFor(5, 30, 0, 300)).toBe(0);
  });
  it("scrolls up to a row above the viewport", () => {
    expect(scrollTopFor(2, 30, 300, 300)).toBe(60);
  });
  it("scrolls down so a row below ends at the bottom edge", () => {
    expect(scrollTopFor(20, 30, 0, 300)).toBe(21 * 30 - 300);
  });
});

describe("useVirtualRows with a sticky header inside the scroller (inset)", () => {
  /** A scroller 330 px tall whose first 30 px are a header the rows pass under. */
  function scroller(): { current: HTMLDivElement } {
    const el = document.createElement("div");
    Object.defineProperty(el, "clientHeight", { configurable: true, value: 330 });
    return { current: el };
  }

  it("counts only the height below the header as the rows' screen", () => {
    const ref = scroller();
    const { result } = renderHook(() => useVirtualRows(ref, 1000, 30, 0, 30));
    expect(result.current.viewportHeight).toBe(300);
    expect(result.current.end).toBe(10);
  });

  it("scrolls a row below into view above the bottom edge, and one above out from under the header", () => {
    const ref = scroller();
    const { result } = renderHook(() => useVirtualRows(ref, 1000, 30, 0, 30));
    act(() => result.current.scrollToIndex(20));
    expect(ref.current.scrollTop).toBe(21 * 30 - 300);
    expect(result.current.start).toBe(11);
    act(() => result.current.scrollToIndex(12)); // in view already (rows 11-20 are)
    expect(ref.current.scrollTop).toBe(21 * 30 - 300);
    act(() => result.current.scrollToIndex(5));
    expect(ref.current.scrollTop).toBe(5 * 30);
  });
});
