//! The Simulate ▾ menu: the four choices as a keyboard menu, the people count, one run at a
//! time, and disabled while the engine does not answer — which also covers how the engine
//! state (state/engine.tsx) finds out: the stream drops, /api/health fails, backoff, recovery.
import { beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { api, subscribe } from "../platform";
import { renderWithEngine, settle } from "../views/testHarness";
import { setRun, startedRun } from "../state/simulation";
import { isUnreachable, probeDelay, useEngine } from "../state/engine";
import { SimulateMenu, simUsers } from "./SimulateMenu";

vi.mock("../platform", async () => (await import("../views/testPlatform")).platformMock());

const m = api as unknown as Record<string, Mock>;
let streamState: ((s: string) => void) | null = null;
// the fake stream, wrapped (once) so a test can say the link dropped
const original = (subscribe as unknown as Mock).getMockImplementation()!;

beforeEach(() => {
  vi.clearAllMocks();
  streamState = null;
  setRun(null);
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.startSimulation.mockResolvedValue({ id: "run-9" });
  (subscribe as unknown as Mock).mockImplementation((onEvent: unknown, onState: (s: string) => void) => {
    streamState = onState;
    return original(onEvent, onState);
  });
});

function Down() {
  const { down } = useEngine();
  return <span data-testid="down">{String(down)}</span>;
}

const view = () =>
  renderWithEngine(
    <>
      <Down />
      <SimulateMenu />
    </>,
  );

/** Says the live stream dropped, once this render's stream is open (under load the button can
 *  show before the engine is ready and subscribes; the previous test's stream is ignored). */
async function dropStream() {
  await waitFor(() => expect(streamState).not.toBeNull(), { timeout: 4000 });
  act(() => streamState!("reconnecting"));
}

const unreachable = Object.assign(new Error("cannot reach the scimlab engine"), { status: 0 });

describe("SimulateMenu", () => {
  it("opens as a menu of four choices, Escape closes it and gives focus back", async () => {
    view();
    const trigger = await screen.findByRole("button", { name: "Simulate ▾" });
    expect(trigger.getAttribute("aria-haspopup")).toBe("menu");
    fireEvent.click(trigger);
    expect(trigger.getAttribute("aria-expanded")).toBe("true");
    const items = screen.getAllByRole("menuitem").map((b) => b.textContent);
    expect(items).toEqual(["Entra ID — guide setup", "Okta — guide setup", "Entra ID — full payloads", "Okta — full payloads"]);
    expect(document.activeElement?.textContent).toBe("Entra ID — guide setup");
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(trigger);
  });

  it("arrow keys move through the choices and Enter starts the one chosen with the people count", async () => {
    view();
    const trigger = await screen.findByRole("button", { name: "Simulate ▾" });
    fireEvent.keyDown(trigger, { key: "ArrowDown" });
    fireEvent.change(screen.getByRole("spinbutton"), { target: { value: "25" } });
    const first = screen.getAllByRole("menuitem")[0];
    first.focus();
    fireEvent.keyDown(first, { key: "ArrowDown" });
    expect(document.activeElement?.textContent).toBe("Okta — guide setup");
    fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect(document.activeElement?.textContent).toBe("Okta — full payloads");
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement?.textContent).toBe("Entra ID — guide setup");
    fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    expect(document.activeElement?.textContent).toBe("Entra ID — full payloads");
    fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    expect(document.activeElement?.textContent).toBe("Okta — guide setup");
    // Enter on a focused button is its click
    fireEvent.click(document.activeElement!);
    await waitFor(() => expect(m.startSimulation).toHaveBeenCalledWith({ scenario: "okta", setup: "guide", users: 25 }));
    expect(screen.queryByRole("menu")).toBeNull();
    // the run is followed: the menu stays disabled while it runs
    await waitFor(() => expect(trigger.hasAttribute("disabled")).toBe(true));
    expect(trigger.getAttribute("title")).toMatch(/simulation is running/);
  });

  it("refuses a people count outside 1 to 10,000", async () => {
    expect(simUsers("10")).toBe(10);
    expect(simUsers("10000")).toBe(10000);
    for (const bad of ["0", "10001", "", "2.5", "-3", "ten"]) expect(simUsers(bad)).toBeNull();
    view();
    fireEvent.click(await screen.findByRole("button", { name: "Simulate ▾" }));
    fireEvent.change(screen.getByRole("spinbutton"), { target: { value: "10001" } });
    expect(screen.getByText("a whole number from 1 to 10,000")).toBeTruthy();
    fireEvent.click(screen.getAllByRole("menuitem")[1]);
    expect(m.startSimulation).not.toHaveBeenCalled();
  });

  it("is disabled while a run is going", async () => {
    setRun(startedRun("run-1", "entra"));
    view();
    const trigger = await screen.findByRole("button", { name: "Simulate ▾" });
    expect(trigger.hasAttribute("disabled")).toBe(true);
    // the menu follows the run store from an effect: on a loaded machine findBy… can return
    // before that effect ran, and a change made then would show a render later
    await settle();
    act(() => setRun(null));
    await waitFor(() => expect(trigger.hasAttribute("disabled")).toBe(false));
  });
});

describe("engine state", () => {
  it("knows an unreachable engine from an answer, and backs off to 5 s", () => {
    expect(isUnreachable(unreachable)).toBe(true);
    expect(isUnreachable(new TypeError("Failed to fetch"))).toBe(true);
    expect(isUnreachable(Object.assign(new Error("missing admin token"), { status: 401 }))).toBe(false);
    expect(isUnreachable("x")).toBe(false);
    expect([0, 1, 2, 3, 4, 10].map(probeDelay)).toEqual([1000, 2000, 3000, 5000, 5000, 5000]);
  });

  it("a dropped stream with a failing health check is down until health answers", async () => {
    m.health.mockRejectedValue(unreachable);
    view();
    const trigger = await screen.findByRole("button", { name: "Simulate ▾" });
    expect(screen.getByTestId("down").textContent).toBe("false");
    await dropStream();
    await waitFor(() => expect(screen.getByTestId("down").textContent).toBe("true"), { timeout: 4000 });
    expect(trigger.hasAttribute("disabled")).toBe(true);
    expect(trigger.getAttribute("title")).toMatch(/not answering/);
    const probes = m.health.mock.calls.length;
    // polled again after the first backoff step (1 s)
    await waitFor(() => expect(m.health.mock.calls.length).toBeGreaterThan(probes), { timeout: 2500 });
    m.health.mockResolvedValue({ status: "ok" });
    await waitFor(() => expect(screen.getByTestId("down").textContent).toBe("false"), { timeout: 4000 });
    expect(screen.getByRole("button", { name: "Simulate ▾" }).hasAttribute("disabled")).toBe(false);
  });

  it("a dropped stream while health still answers is not down", async () => {
    view();
    await screen.findByRole("button", { name: "Simulate ▾" });
    await dropStream();
    await waitFor(() => expect(m.health).toHaveBeenCalled());
    await act(async () => {});
    expect(screen.getByTestId("down").textContent).toBe("false");
  });

  it("a start that cannot reach the engine raises no toast: the engine goes down", async () => {
    m.startSimulation.mockRejectedValue(unreachable);
    m.health.mockRejectedValue(unreachable);
    view();
    fireEvent.click(await screen.findByRole("button", { name: "Simulate ▾" }));
    fireEvent.click(screen.getAllByRole("menuitem")[0]);
    await waitFor(() => expect(screen.getByTestId("down").textContent).toBe("true"), { timeout: 4000 });
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
