//! Presentation mode: remembered in localStorage, applied as the `presentation` class on <html>,
//! followed by every component that asks, and read back on the next load.
import { act, renderHook } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { PRESENTATION_KEY, presentationOn, setPresentation, storedPresentation, usePresentation } from "./presentation";

afterEach(() => setPresentation(false));

test("turning it on sets the class and remembers it; off clears both", () => {
  expect(document.documentElement.classList.contains("presentation")).toBe(false);
  setPresentation(true);
  expect(presentationOn()).toBe(true);
  expect(document.documentElement.classList.contains("presentation")).toBe(true);
  expect(localStorage.getItem(PRESENTATION_KEY)).toBe("on");
  expect(storedPresentation()).toBe(true);
  setPresentation(false);
  expect(document.documentElement.classList.contains("presentation")).toBe(false);
  expect(localStorage.getItem(PRESENTATION_KEY)).toBeNull();
});

test("components re-render when it changes", () => {
  const { result } = renderHook(() => usePresentation());
  expect(result.current[0]).toBe(false);
  act(() => result.current[1](true));
  expect(result.current[0]).toBe(true);
  act(() => setPresentation(false));
  expect(result.current[0]).toBe(false);
});

test("a reload reads the remembered setting and applies it before the first render", async () => {
  localStorage.setItem(PRESENTATION_KEY, "on");
  document.documentElement.classList.remove("presentation");
  vi.resetModules();
  const fresh = await import("./presentation");
  expect(fresh.presentationOn()).toBe(true);
  expect(document.documentElement.classList.contains("presentation")).toBe(true);
  fresh.setPresentation(false);
});

test("another window turning it on is followed", () => {
  const { result } = renderHook(() => usePresentation());
  localStorage.setItem(PRESENTATION_KEY, "on");
  act(() => {
    window.dispatchEvent(new StorageEvent("storage", { key: PRESENTATION_KEY }));
  });
  expect(result.current[0]).toBe(true);
  expect(document.documentElement.classList.contains("presentation")).toBe(true);
});
