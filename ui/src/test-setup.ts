// Vitest setup: unmount rendered trees between tests, and forget events a test emitted before
// any view subscribed (views/testPlatform.ts), so none reaches the next test.
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";
afterEach(() => {
  cleanup();
  const stream = (globalThis as { __scimlabStream?: { pending: unknown[] } }).__scimlabStream;
  if (stream) stream.pending.length = 0;
});
