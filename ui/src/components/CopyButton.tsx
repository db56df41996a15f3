//! A button that copies text and says so ("copied") for a moment.

import { useEffect, useRef, useState } from "react";
import { useToast } from "../state/toasts";

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

export function CopyButton({ text, label = "copy", title }: { text: string | (() => string | Promise<string>); label?: string; title?: string }) {
  const [done, setDone] = useState(false);
  const toast = useToast();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return (
    <button
      className="small"
      title={title ?? label}
      onClick={async () => {
        try {
          await copyText(typeof text === "function" ? await text() : text);
          setDone(true);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => setDone(false), 1200);
        } catch (e) {
          toast.error(e);
        }
      }}
    >
      {done ? "copied" : label}
    </button>
  );
}
