//! The detail side of the Traffic screen: a resizable pane (drag the separator, or ← / → on
//! it; 320 px at least, the table keeps 420 px) holding the open exchange (Detail.tsx). The
//! width is remembered in localStorage; `useDetailWidth` owns it so it survives closing the pane.

import { useState, type PointerEvent as ReactPointerEvent } from "react";
import { ExchangeDetail } from "./Detail";

const DETAIL_WIDTH_KEY = "scimlab.traffic.detailWidth";

function rememberWidth(w: number) {
  try {
    localStorage.setItem(DETAIL_WIDTH_KEY, String(Math.round(w)));
  } catch {
    // not remembered
  }
}

/** The detail pane's width: the remembered one, or 520 px. */
export function useDetailWidth(): [number, (w: number) => void] {
  return useState(() => {
    let n = NaN;
    try {
      n = Number(localStorage.getItem(DETAIL_WIDTH_KEY) ?? NaN);
    } catch {
      // storage unavailable: the default width
    }
    return Number.isFinite(n) && n >= 320 ? n : 520;
  });
}

export function DetailPane({
  openId,
  origin,
  width,
  onWidth,
  onClose,
  onOnlyResource,
}: {
  openId: number;
  /** The SCIM origin copy-as-curl uses. */
  origin: string;
  width: number;
  onWidth: (w: number) => void;
  onClose: () => void;
  onOnlyResource: (resource: string) => void;
}) {
  const startResize = (e: ReactPointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const startX = e.clientX;
    const startW = width;
    let w = startW;
    const onMove = (m: PointerEvent) => {
      w = Math.max(320, Math.min(window.innerWidth - 420, startW + (startX - m.clientX)));
      onWidth(w);
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      rememberWidth(w);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  return (
    <>
      <div
        className="tx-resizer"
        role="separator"
        aria-orientation="vertical"
        aria-label="resize the detail (← / →)"
        aria-valuenow={Math.round(width)}
        tabIndex={0}
        onPointerDown={startResize}
        onKeyDown={(e) => {
          if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
          e.preventDefault();
          const w = Math.max(320, Math.min(window.innerWidth - 420, width + (e.key === "ArrowLeft" ? 40 : -40)));
          onWidth(w);
          rememberWidth(w);
        }}
      />
      <div className="tx-detail-wrap" style={{ width }}>
        <ExchangeDetail id={openId} origin={origin} onClose={onClose} onOnlyResource={onOnlyResource} />
      </div>
    </>
  );
}
