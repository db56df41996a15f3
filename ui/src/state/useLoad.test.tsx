//! useLoad: loads on mount, reloads on demand, turns a failure into a toast.
import { act, render, screen } from "@testing-library/react";
import { useState } from "react";
import { vi } from "vitest";
import { ToastProvider } from "./toasts";
import { useLoad } from "./useLoad";

function Probe({ fetcher }: { fetcher: () => Promise<string> }) {
  const [value, setValue] = useState("none");
  const load = useLoad(fetcher, setValue);
  return (
    <>
      <p data-testid="value">{value}</p>
      <button onClick={() => void load()}>reload</button>
    </>
  );
}

test("loads on mount and again on demand", async () => {
  let n = 0;
  const fetcher = vi.fn(async () => `v${++n}`);
  render(<ToastProvider><Probe fetcher={fetcher} /></ToastProvider>);
  await screen.findByText("v1");
  await act(async () => screen.getByText("reload").click());
  await screen.findByText("v2");
  expect(fetcher).toHaveBeenCalledTimes(2);
});

test("a failure becomes an error toast with the engine's message", async () => {
  const fetcher = async () => {
    throw new Error("cannot reach the scimlab engine");
  };
  render(<ToastProvider><Probe fetcher={fetcher} /></ToastProvider>);
  expect((await screen.findByRole("alert")).textContent).toContain("cannot reach the scimlab engine");
  expect(screen.getByTestId("value").textContent).toBe("none");
});
