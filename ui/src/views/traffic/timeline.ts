//! The Traffic timeline's geometry and words, pure: stacked bars per time bucket by outcome
//! (failures at the base so one 5xx among 500 successes still shows), the detected cycles as
//! bands on the same time axis, a cycle in words ("Entra ID cycle at 14:02 — 37 creates, 3
//! updates, 2 failed"), and the throttle that keeps reloads to one every 2 s. TimelineStrip.tsx
//! draws it.

import type { Cycle, CycleKind, Timeline, TimelineBucket } from "../../generated";
import { count, idpName, timeOfDay } from "../../format";

/** The outcomes a bar stacks, base first (failures first, so they are never squeezed out). */
export const OUTCOMES = ["serverError", "clientError", "refused", "ok"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The legend's words for each outcome. */
export const OUTCOME_LABEL: Record<Outcome, string> = {
  ok: "ok",
  clientError: "4xx",
  serverError: "5xx",
  refused: "refused",
};

export interface Segment {
  outcome: Outcome;
  y: number;
  h: number;
}

export interface Bar {
  x: number;
  w: number;
  /** Requests in the bucket. */
  total: number;
  segments: Segment[];
  /** The bucket in words (a native tooltip). */
  label: string;
}

export interface CycleBand {
  x: number;
  w: number;
  cycle: Cycle;
  label: string;
}

export interface TimelineLayout {
  bars: Bar[];
  cycles: CycleBand[];
  /** First and last instant drawn (epoch ms). */
  from: number;
  to: number;
}

/** Smallest height of a non-empty failure segment, in drawing units: one failed request shows. */
const MIN_FAILURE = 2;

const hhmm = (ms: number) => timeOfDay(ms).slice(0, 5);

/** A bucket in words: `14:02 — 40 ok, 2 4xx, 1 5xx, 3 refused`. */
export function bucketLabel(b: TimelineBucket, bucketMinutes: number): string {
  const at = Date.parse(b.at);
  const parts = OUTCOMES.slice()
    .reverse()
    .filter((o) => b[o] > 0)
    .map((o) => `${count(b[o])} ${OUTCOME_LABEL[o]}`);
  const span = bucketMinutes > 1 ? `${hhmm(at)}–${hhmm(at + bucketMinutes * 60_000)}` : hhmm(at);
  return `${span} — ${parts.length > 0 ? parts.join(", ") : "no requests"}`;
}

/** Fewest bucket slots the axis has: a few minutes of traffic are not drawn as one wide block. */
export const MIN_SLOTS = 20;

/**
 * Bars and cycle bands for a plot `width` × `height` (pixels; bars fill the height, the top
 * `capHeight` are left to the cycles' caps). The axis ends with the last bucket, the newest
 * traffic at the right edge, and spans at least MIN_SLOTS buckets (the time before the first
 * exchange stored is drawn empty: nothing was captured then).
 */
export function layoutTimeline(t: Timeline, width: number, height: number, capHeight = 5): TimelineLayout {
  const n = t.buckets.length;
  if (n === 0) return { bars: [], cycles: [], from: 0, to: 0 };
  const bucketMs = t.bucketMinutes * 60_000;
  const slots = Math.max(n, MIN_SLOTS);
  const to = Date.parse(t.buckets[n - 1].at) + bucketMs;
  const from = to - slots * bucketMs;
  const lead = slots - n;
  const slot = width / slots;
  const gap = slot > 4 ? Math.min(2, slot * 0.15) : 0;
  const plot = height - capHeight;
  const max = Math.max(1, ...t.buckets.map((b) => b.ok + b.clientError + b.serverError + b.refused));
  const bars = t.buckets.map((b, i) => {
    const total = b.ok + b.clientError + b.serverError + b.refused;
    const hs = OUTCOMES.map((o) => {
      const h = (b[o] / max) * plot;
      return o !== "ok" && b[o] > 0 ? Math.max(MIN_FAILURE, h) : h;
    });
    // the minimum heights may overflow a full bar: take it from the successes
    const over = hs.reduce((a, h) => a + h, 0) - plot;
    if (over > 0) hs[3] = Math.max(0, hs[3] - over);
    let y = height;
    const segments: Segment[] = [];
    OUTCOMES.forEach((o, k) => {
      if (hs[k] <= 0) return;
      y -= hs[k];
      segments.push({ outcome: o, y, h: hs[k] });
    });
    return { x: (lead + i) * slot + gap / 2, w: Math.max(0.5, slot - gap), total, segments, label: bucketLabel(b, t.bucketMinutes) };
  });
  const span = Math.max(1, to - from);
  const xOf = (iso: string) => Math.min(width, Math.max(0, ((Date.parse(iso) - from) / span) * width));
  const minW = Math.min(4, width);
  const cycles = t.cycles.map((c) => {
    const x0 = xOf(c.start);
    const x1 = Math.max(xOf(c.end), x0 + minW);
    const x = Math.min(x0, width - minW);
    return { x, w: Math.min(width, x1) - x, cycle: c, label: cycleLabel(c) };
  });
  return { bars, cycles, from, to };
}

const KIND_WORD: Record<CycleKind, string> = {
  cycle: "cycle",
  push: "push",
  "connection-test": "connection test",
  burst: "burst",
};

/** `Entra ID cycle at 14:02 — 37 creates, 3 updates, 2 failed` (local time). */
export function cycleLabel(c: Cycle): string {
  const kind = KIND_WORD[c.kind] ?? c.kind;
  const at = hhmm(Date.parse(c.start));
  const who =
    c.idp === "other" ? `${kind[0].toUpperCase()}${kind.slice(1)} from ${idpName(c.idp)}` : `${idpName(c.idp)} ${kind}`;
  return `${who} at ${at} — ${c.summary}`;
}

/** The time the traffic spans and the bar width in words: `14:02–14:45 · 1-min bars`. */
export function axisLabel(t: Timeline): string {
  const n = t.buckets.length;
  if (n === 0) return "";
  const from = Date.parse(t.buckets[0].at);
  const to = Date.parse(t.buckets[n - 1].at) + t.bucketMinutes * 60_000;
  const width = t.bucketMinutes >= 60 && t.bucketMinutes % 60 === 0 ? `${t.bucketMinutes / 60}-h` : `${t.bucketMinutes}-min`;
  return `${hhmm(from)}–${hhmm(to)} · ${width} bars`;
}

/** A function that runs `fn` at most once every `ms`: at once when it may, else once at the
 *  end of the wait (calls in between fold into that one). `cancel` drops a pending run. */
export function throttle(fn: () => void, ms: number): (() => void) & { cancel(): void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  const call = () => {
    if (timer !== null) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  call.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return call;
}
