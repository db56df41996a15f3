//! The SCIM endpoint as the Connect screen holds it: the tenant URL and masked key (reloaded on
//! settings changes and resyncs, re-masked when the key changes), the full key only while the
//! admin reveals it (never in presentation mode: turning it on hides a revealed key), copying
//! the key without showing it, and rotating it behind a confirmation. The tunnel's state
//! (`endpoint.tunnel`) follows `tunnel.changed` events, and is asked again every second while
//! it says `starting` (an event sent before the stream connected is not lost). A call that cannot reach
//! the engine goes to the engine banner, not a toast.

import { useCallback, useEffect, useState } from "react";
import type { EndpointInfo } from "../../generated";
import { api } from "../../platform";
import { useEngineEvent, useReportError } from "../../state/engine";
import { usePresentation } from "../../state/presentation";
import { useToast } from "../../state/toasts";

export interface ScimEndpoint {
  endpoint: EndpointInfo | null;
  /** The full key while revealed, else null. */
  revealed: string | null;
  reveal: () => Promise<void>;
  hide: () => void;
  /** The full key for the clipboard (fetched when not revealed). */
  copyKey: () => Promise<string>;
  /** Whether the rotate confirmation is open. */
  confirmRotate: boolean;
  askRotate: () => void;
  cancelRotate: () => void;
  rotate: () => Promise<void>;
  /** A rotation is in flight. */
  busy: boolean;
  /** Presentation mode: the key is never shown, only copied. */
  presenting: boolean;
  /** Start the public tunnel (*Make it public*, or *Start again* after it stopped). */
  startTunnel: () => Promise<void>;
  /** Stop the tunnel ScimLab runs, or dismiss a stopped / unavailable state. */
  stopTunnel: () => Promise<void>;
  /** A tunnel start or stop is in flight. */
  tunnelBusy: boolean;
}

export function useScimEndpoint(): ScimEndpoint {
  const toast = useToast();
  const report = useReportError();
  const [presenting] = usePresentation();
  const [endpoint, setEndpoint] = useState<EndpointInfo | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [tunnelBusy, setTunnelBusy] = useState(false);

  const load = useCallback(() => {
    api
      .endpoint()
      .then(setEndpoint)
      .catch(report);
  }, [report]);
  useEffect(load, [load]);

  // While cloudflared starts, ask again every second: the event that says it runs may have gone
  // out before this page's stream was connected.
  const starting = endpoint?.tunnel?.status === "starting";
  useEffect(() => {
    if (!starting) return;
    const timer = setInterval(() => {
      api
        .endpoint()
        .then((fresh) => setEndpoint((cur) => (cur ? { ...cur, tunnel: fresh.tunnel } : fresh)))
        .catch(() => {});
    }, 1000);
    return () => clearInterval(timer);
  }, [starting]);

  // a shared screen never shows the key: presentation mode hides one that was revealed
  useEffect(() => {
    if (presenting) setRevealed(null);
  }, [presenting]);

  useEngineEvent((e) => {
    if (e.type === "endpoint.changed") {
      setEndpoint((cur) => (cur ? { ...cur, keyMasked: e.keyMasked } : cur));
      setRevealed(null);
    } else if (e.type === "tunnel.changed") {
      setEndpoint((cur) => (cur ? { ...cur, tunnel: e.tunnel } : cur));
    } else if (e.type === "settings.changed" || e.type === "resync") {
      load();
    }
  });

  // the key is fetched on demand and only kept (and put in the page) while the admin reveals it
  const reveal = async () => {
    if (presenting) return;
    try {
      const { key } = await api.revealKey();
      setRevealed(key);
    } catch (e) {
      report(e);
    }
  };

  const rotate = async () => {
    setConfirmRotate(false);
    setBusy(true);
    try {
      const r = await api.rotateKey();
      setEndpoint((cur) => (cur ? { ...cur, keyMasked: r.keyMasked } : cur));
      setRevealed(null);
      toast.info(`New key ${r.keyMasked} is active. Paste it into your IdP: the old key now gets 401.`);
    } catch (e) {
      report(e);
    } finally {
      setBusy(false);
    }
  };

  // the answer is the state reached at once; later changes arrive as tunnel.changed events
  const tunnelCall = (call: () => Promise<EndpointInfo["tunnel"]>) => async () => {
    setTunnelBusy(true);
    try {
      const tunnel = await call();
      setEndpoint((cur) => (cur ? { ...cur, tunnel } : cur));
    } catch (e) {
      report(e);
    } finally {
      setTunnelBusy(false);
    }
  };

  // copying fetches the key for the clipboard only: it stays masked on screen
  const copyKey = useCallback(async () => revealed ?? (await api.revealKey()).key, [revealed]);

  return {
    endpoint,
    revealed,
    reveal,
    hide: () => setRevealed(null),
    copyKey,
    confirmRotate,
    askRotate: () => setConfirmRotate(true),
    cancelRotate: () => setConfirmRotate(false),
    rotate,
    busy,
    presenting,
    startTunnel: tunnelCall(api.startTunnel),
    stopTunnel: tunnelCall(api.stopTunnel),
    tunnelBusy,
  };
}
