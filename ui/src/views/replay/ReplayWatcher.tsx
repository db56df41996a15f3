//! Follows the `replay.*` events into the shared replay (store.ts), wherever the admin is, and
//! toasts how a replay ended when no Replay dialog is open to show it. Mount once (the app frame).
//! Switching workspace forgets the replay (it belongs to the workspace left).

import { useEffect, useRef } from "react";
import { useEngine, useEngineEvent } from "../../state/engine";
import { useToast } from "../../state/toasts";
import { applyReplayEvent, getReplay, hasViewer, replayOutcomeText, setReplay } from "./store";

export function ReplayWatcher() {
  const toast = useToast();
  const { workspace } = useEngine();
  const shownIn = useRef(workspace.slug);
  useEffect(() => {
    if (shownIn.current === workspace.slug) return;
    shownIn.current = workspace.slug;
    setReplay(null);
  }, [workspace.slug]);
  useEngineEvent((e) => {
    if (e.type !== "replay.progress" && e.type !== "replay.finished" && e.type !== "replay.failed") return;
    const before = getReplay();
    const next = applyReplayEvent(before, e);
    setReplay(next);
    if (hasViewer() || next === before || !next || before?.state !== "running" || before.id !== next.id) return;
    if (next.state === "finished" && next.summary) {
      if (next.summary.outcome === "passed") toast.info(replayOutcomeText(next.summary));
      else toast.error(replayOutcomeText(next.summary));
    } else if (next.state === "failed") {
      toast.error(`The replay could not run: ${next.error ?? "unknown error"}`);
    }
  });
  return null;
}
