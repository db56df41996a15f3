//! Hand-rolled row virtualisation for long lists (the Traffic table, the Users list): fixed row
//! height, only the visible rows plus an overscan in the DOM, so 100 000 rows scroll like 100.
//! The math is pure (`visibleRange`) and unit-tested; `useVirtualRows` wires it to a scroll
//! container, which must be mounted with the component calling it (the hook attaches once).
//! A list whose sticky header scrolls inside the container (the Users `<table>`) passes where
//! its rows start (padding and header) as `inset`: rows behind the header are not in view.
//!
//! Weighed against `@tanstack/react-virtual` (issue 13): rows here have one fixed height, the
//! table scrolls to a row by id and keeps its place while rows arrive at the top; that is about
//! a hundred lines of arithmetic we test directly, measured at 100 000 rows in
//! docs/benchmarks-ui.md. The library's dynamic measuring would add a dependency without
//! removing any of it, so we keep our own.

import { useCallback, useLayoutEffect, useState, type RefObject } from "react";

export interface RangeInput {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscan: number;
}

export interface Range {
  /** First row index to render (inclusive). */
  start: number;
  /** Row index after the last to render (exclusive). */
  end: number;
  /** translateY of the first rendered row. */
  offset: number;
  /** Height of the whole list. */
  total: number;
}

/** The rows to render for a scroll position. */
export function visibleRange({ count, rowHeight, scrollTop, viewportHeight, overscan }: RangeInput): Range {
  const total = count * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total: 0 };
  const maxTop = Math.max(0, total - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil((top + viewportHeight) / rowHeight) - first;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, total };
}

/** The scrollTop that brings row `index` fully into view (unchanged when it already is). */
export function scrollTopFor(index: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** jsdom and hidden containers measure 0: assume a screenful so something renders. */
const FALLBACK_VIEWPORT = 720;

export interface VirtualRows extends Range {
  scrollTop: number;
  viewportHeight: number;
  /** Scroll so row `index` is visible. */
  scrollToIndex(index: number): void;
  /** Re-read the container's scrollTop now (after moving it by code, before the paint). */
  sync(): void;
}

/** Track the scroll container `ref` and answer which rows to render. `inset`: where the first
 * row starts inside the container, under a sticky header (and padding) that stays over the
 * rows as they scroll (0 when the header is outside). */
export function useVirtualRows(
  ref: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan = 12,
  inset = 0,
): VirtualRows {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(FALLBACK_VIEWPORT);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewportHeight(el.clientHeight || FALLBACK_VIEWPORT);
    const onScroll = () => setScrollTop(el.scrollTop);
    measure();
    el.addEventListener("scroll", onScroll, { passive: true });
    let ro: ResizeObserver | null = null;
    if (typeof ResizeObserver !== "undefined") {
      ro = new ResizeObserver(measure);
      ro.observe(el);
    } else {
      window.addEventListener("resize", measure);
    }
    return () => {
      el.removeEventListener("scroll", onScroll);
      if (ro) ro.disconnect();
      else window.removeEventListener("resize", measure);
    };
  }, [ref]);

  const rowsHeight = Math.max(0, viewportHeight - inset);
  const range = visibleRange({ count, rowHeight, scrollTop, viewportHeight: rowsHeight, overscan });

  const scrollToIndex = useCallback(
    (index: number) => {
      const el = ref.current;
      if (!el) return;
      const h = Math.max(0, (el.clientHeight || FALLBACK_VIEWPORT) - inset);
      const next = scrollTopFor(index, rowHeight, el.scrollTop, h);
      if (next !== el.scrollTop) {
        el.scrollTop = next;
        setScrollTop(next);
      }
    },
    [ref, rowHeight, inset],
  );

  const sync = useCallback(() => {
    const el = ref.current;
    if (el) setScrollTop(el.scrollTop);
  }, [ref]);

  return { ...range, scrollTop, viewportHeight: rowsHeight, scrollToIndex, sync };
}
