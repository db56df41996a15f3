//! Render harness for the Connect and Traffic view tests: the real Engine and Toast providers
//! around a view, with the fake platform of testPlatform.ts (mock it with vi.mock first), `emit`
//! to deliver engine events by hand, and a summary factory. Only imported by *.test.tsx files.

import { act, render } from "@testing-library/react";
import type { ReactNode } from "react";
import type { EngineEvent, ExchangeSummary } from "../generated";
import { EngineProvider, useEngine } from "../state/engine";
import { ToastProvider } from "../state/toasts";
import { stream } from "./testPlatform";
import { SimulationWatcher } from "../components/SimulationStatus";
import { ReplayWatcher } from "./replay/ReplayWatcher";

function Ready({ children }: { children: ReactNode }) {
  const { ready } = useEngine();
  return ready ? (
    <>
      <SimulationWatcher />
      <ReplayWatcher />
      {children}
    </>
  ) : null;
}

/** Render `ui` inside the providers, once the fake engine is "connected". */
export function renderWithEngine(ui: ReactNode) {
  return render(
    <ToastProvider>
      <EngineProvider>
        <Ready>{ui}</Ready>
      </EngineProvider>
    </ToastProvider>,
  );
}

/** Deliver an engine event as the stream would (tagged with a workspace, or not); before the
 *  view has subscribed (under load the provider subscribes after the first render), it is
 *  delivered when it does. */
export function emit(e: EngineEvent & { workspace?: string }): void {
  act(() => {
    if (stream.listener) stream.listener(e);
    else stream.pending.push(e);
  });
}

/** Let React run the effects of what is on screen (a view subscribes to engine events in an
 *  effect: on a loaded machine `findBy…` can return before it ran, and an event emitted then
 *  would reach the view a render later than the test reads it). */
export async function settle(): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

let nextId = 1;
/** A plausible exchange summary. */
export function summary(over: Partial<ExchangeSummary> = {}): ExchangeSummary {
  const id = over.id ?? nextId++;
  return {
    id,
    at: "2026-11-28T17:02:03.123Z",
    method: "GET",
    path: "/scim/v2/Users",
    query: "",
    status: 200,
    latencyMs: 1.4,
    idp: "entra",
    operation: "connection-probe",
    resourceType: null,
    resourceId: null,
    resourceName: null,
    quirks: [],
    ...over,
  };
}
