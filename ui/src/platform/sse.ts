//! The live event stream of the current workspace (`GET <apiBase>/events`, see workspace.ts)
//! read with fetch, not EventSource: fetch can send the desktop's Bearer token, EventSource
//! cannot. Parses the text/event-stream framing, reconnects with backoff, and reports the link
//! state so the UI can show "live" / "reconnecting".
//!
//! Weighed against the fetch-based SSE clients on npm (issue 13): they parse the same framing,
//! but our reconnect must resync (`resync` after a gap), hand the host's token on every attempt
//! and report the link state the engine banner reads; the parser is about twenty-five tested lines. Ours
//! stays.

import type { EngineEvent } from "../generated";
import { authHeaders, connection } from "./http";
import { ws } from "./workspace";

/** An event as the stream sends it: tagged with the workspace it happened in (the stream's own,
 *  or another's for `workspace.activity`; events from before workspaces carry none). */
export type TaggedEvent = EngineEvent & { workspace?: string };

/** The link state of the stream. */
export type StreamState = "connecting" | "live" | "reconnecting" | "closed";

/** Split a text/event-stream buffer into complete messages; returns them and the rest. */
export function parseSse(buffer: string): { events: { event: string; data: string }[]; rest: string } {
  const events: { event: string; data: string }[] = [];
  // A chunk may end between the \r and the \n of one line end: keep that \r for the next call,
  // or it would count as a line end of its own and the \n after it as an empty line.
  const held = buffer.endsWith("\r") ? "\r" : "";
  const normalized = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = (blocks.pop() ?? "") + held;
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

/** Subscribe to the current workspace's events until the returned function is called (the
 *  workspace is read when it is called: switching workspace means subscribing again). */
export function subscribe(onEvent: (e: TaggedEvent) => void, onState: (s: StreamState) => void): () => void {
  const path = ws("/events");
  let stopped = false;
  let controller: AbortController | null = null;
  let attempt = 0;

  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      onState(attempt === 0 ? "connecting" : "reconnecting");
      try {
        const resp = await fetch(`${connection().adminUrl}${path}`, {
          headers: authHeaders({ Accept: "text/event-stream" }),
          credentials: "same-origin",
          signal: controller.signal,
        });
        if (!resp.ok || !resp.body) throw new Error(`events answered ${resp.status}`);
        if (attempt > 0) onEvent({ type: "resync", missed: 0 });
        attempt = 0;
        onState("live");
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const parsed = parseSse(buffer);
          buffer = parsed.rest;
          for (const m of parsed.events) {
            try {
              onEvent(JSON.parse(m.data) as TaggedEvent);
            } catch {
              // a malformed message is skipped; the next reload repairs the view
            }
          }
        }
      } catch {
        if (stopped) break;
      }
      if (stopped) break;
      attempt += 1;
      onState("reconnecting");
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
    }
    onState("closed");
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
