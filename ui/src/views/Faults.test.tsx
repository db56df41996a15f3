//! Tests of the Faults screen against a fake platform: the rules listed in words with their
//! counters, counters moving on `faults.changed`, the switch sending PATCH, a preset whose name
//! is taken added as "… 2", the editor sending exactly the rule it shows as JSON, the engine's
//! 400 shown in the editor (marking the field), Escape, delete with a confirmation naming the
//! rule and Undo re-creating it, and the empty state.

import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { FaultList, FaultPreset, FaultRuleView } from "../generated";
import { api, ApiError } from "../platform";
import { emit, renderWithEngine } from "./testHarness";
import { FaultsView } from "./Faults";

vi.mock("../platform", async (orig) => {
  const real = await orig<typeof import("../platform")>();
  const mock = (await import("./testPlatform")).platformMock();
  return {
    ...mock,
    ApiError: real.ApiError,
    api: {
      ...mock.api,
      health: vi.fn(async () => ({})),
      faults: vi.fn(),
      addFault: vi.fn(),
      replaceFault: vi.fn(),
      toggleFault: vi.fn(),
      deleteFault: vi.fn(),
      deleteAllFaults: vi.fn(),
    },
  };
});

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const throttle: FaultRuleView = {
  id: 1,
  matches: 5,
  hits: 3,
  name: "Throttled app",
  match: {},
  action: { status: 429, retryAfter: 2, detail: "too many requests" },
  times: 3,
  enabled: true,
};
const escrow: FaultRuleView = {
  id: 2,
  matches: 0,
  hits: 0,
  name: "escrow",
  match: { idp: "entra", operation: "create", userName: "escrow-*" },
  action: { status: 500, afterWrite: true },
  enabled: false,
};
const presets: FaultPreset[] = [
  {
    id: "throttled-app",
    title: "Throttled app",
    description: "The IdP's next three requests are answered 429.",
    rule: { name: "Throttled app", match: {}, action: { status: 429, retryAfter: 2 }, times: 3, enabled: true },
  },
  {
    id: "slow-app",
    title: "Slow app",
    description: "Every request is answered 3 seconds late.",
    rule: { name: "Slow app", match: {}, action: { delayMs: 3000 }, enabled: true },
  },
];

function listOf(rules: FaultRuleView[]): FaultList {
  return { rules, presets };
}

beforeEach(() => {
  vi.clearAllMocks();
  m.faults.mockResolvedValue(listOf([throttle, escrow]));
});

const view = () => renderWithEngine(<FaultsView param={null} params={new URLSearchParams()} />);
const rows = () => screen.getAllByTestId("fault-rule");
const row = (name: string) => rows().find((r) => r.textContent?.includes(name))!;

describe("the rule list", () => {
  it("lists the rules in order, in words, with their counters, and says the first match wins", async () => {
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.getByText(/first match wins/)).toBeTruthy();
    expect(within(rows()[0]).getByTestId("fault-summary").textContent).toBe("every request → answer 429 with Retry-After 2 s · first 3 matches");
    expect(within(rows()[1]).getByTestId("fault-summary").textContent).toBe("Entra ID creates of userName escrow-* → answer 500 after writing · every match");
    expect(within(rows()[0]).getByTestId("fault-hits").textContent).toBe("3");
    expect(within(rows()[0]).getByTestId("fault-matches").textContent).toBe("5");
    expect(within(rows()[0]).getByRole("switch").getAttribute("aria-checked")).toBe("true");
    expect(within(rows()[1]).getByRole("switch").getAttribute("aria-checked")).toBe("false");
  });

  it("moves the counters live on faults.changed", async () => {
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    emit({ type: "faults.changed", rules: [{ ...throttle, hits: 4, matches: 7 }, escrow] });
    expect(within(row("Throttled app")).getByTestId("fault-hits").textContent).toBe("4");
    expect(within(row("Throttled app")).getByTestId("fault-matches").textContent).toBe("7");
    emit({ type: "faults.changed", rules: [] });
    expect(screen.queryAllByTestId("fault-rule")).toHaveLength(0);
    expect(screen.getByTestId("faults-empty")).toBeTruthy();
  });

  it("toggling a rule sends PATCH with the new state and shows the answer", async () => {
    m.toggleFault.mockResolvedValue({ ...throttle, enabled: false });
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(within(row("Throttled app")).getByRole("switch", { name: "Throttled app enabled" }));
    expect(m.toggleFault).toHaveBeenCalledWith(1, false);
    await waitFor(() => expect(within(row("Throttled app")).getByRole("switch").getAttribute("aria-checked")).toBe("false"));
    expect(within(row("Throttled app")).getByTestId("fault-hits").textContent).toBe("3");
  });

  it("adds a preset under a free name when its own is taken", async () => {
    m.addFault.mockImplementation(async (rule) => ({ ...rule, id: 3, matches: 0, hits: 0 }));
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByTestId("preset-throttled-app"));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(m.addFault).toHaveBeenCalledWith({ ...presets[0].rule, name: "Throttled app 2" });
    fireEvent.click(screen.getByTestId("preset-slow-app"));
    await waitFor(() => expect(m.addFault).toHaveBeenCalledTimes(2));
    expect(m.addFault).toHaveBeenLastCalledWith(presets[1].rule);
  });

  it("deletes after a confirmation naming the rule, and Undo re-creates it", async () => {
    m.deleteFault.mockResolvedValue(undefined);
    m.addFault.mockImplementation(async (rule) => ({ ...rule, id: 9, matches: 0, hits: 0 }));
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(within(row("escrow")).getByRole("button", { name: "delete escrow" }));
    const dialog = screen.getByRole("dialog", { name: 'Delete the fault rule "escrow"?' });
    fireEvent.click(within(dialog).getByRole("button", { name: 'Delete "escrow"' }));
    expect(m.deleteFault).toHaveBeenCalledWith(2);
    await waitFor(() => expect(rows()).toHaveLength(1));
    const undo = screen.getByTestId("fault-undo");
    expect(undo.textContent).toContain('"escrow" deleted');
    fireEvent.click(within(undo).getByRole("button", { name: "Undo" }));
    const { id: _id, matches: _m, hits: _h, ...rule } = escrow;
    expect(m.addFault).toHaveBeenCalledWith(rule);
    await waitFor(() => expect(rows()).toHaveLength(2));
  });

  it("deletes all after a confirmation, and Undo re-creates them in order", async () => {
    m.deleteAllFaults.mockResolvedValue(undefined);
    m.addFault.mockImplementation(async (rule) => ({ ...rule, id: rule.name === "escrow" ? 12 : 11, matches: 0, hits: 0 }));
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Delete all…" }));
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete all rules" }));
    await screen.findByTestId("faults-empty");
    fireEvent.click(within(screen.getByTestId("fault-undo")).getByRole("button", { name: "Undo" }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(m.addFault.mock.calls.map((c) => c[0].name)).toEqual(["Throttled app", "escrow"]);
  });

  it("explains faults when there is no rule, with the presets", async () => {
    m.faults.mockResolvedValue(listOf([]));
    view();
    const empty = await screen.findByTestId("faults-empty");
    expect(empty.textContent).toMatch(/fail on purpose/);
    expect(within(empty).getByTestId("preset-throttled-app").textContent).toContain("The IdP's next three requests are answered 429.");
    expect(within(empty).getByTestId("preset-throttled-app").hasAttribute("data-autofocus")).toBe(true);
  });
});

describe("the editor", () => {
  it("sends exactly the rule it shows as JSON, without empty optional fields", async () => {
    m.addFault.mockImplementation(async (rule) => ({ ...rule, id: 3, matches: 0, hits: 0 }));
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Add a rule…" }));
    const editor = screen.getByTestId("fault-editor");
    expect(document.activeElement).toBe(within(editor).getByLabelText("Name"));
    fireEvent.change(within(editor).getByLabelText("Name"), { target: { value: "okta throttle" } });
    fireEvent.change(within(editor).getByLabelText("IdP"), { target: { value: "okta" } });
    fireEvent.change(within(editor).getByLabelText("Operation"), { target: { value: "create" } });
    fireEvent.change(within(editor).getByLabelText(/^Path/), { target: { value: "/Users" } });
    fireEvent.change(within(editor).getByLabelText("Status"), { target: { value: "503" } });
    fireEvent.change(within(editor).getByLabelText("Retry-After (s)"), { target: { value: "5" } });
    fireEvent.change(within(editor).getByLabelText(/^Detail/), { target: { value: "  " } });
    fireEvent.click(within(editor).getByLabelText("Every Nth match"));
    fireEvent.change(within(editor).getByLabelText("Every Nth match", { selector: "input[type=number]" }), { target: { value: "10" } });
    const expected = {
      name: "okta throttle",
      match: { idp: "okta", operation: "create", path: "/Users" },
      action: { status: 503, retryAfter: 5 },
      every: 10,
      enabled: true,
    };
    expect(JSON.parse(within(editor).getByTestId("fault-json").textContent!)).toEqual(expected);
    expect(within(editor).getByTestId("fault-json").textContent).toBe(JSON.stringify(expected, null, 2));
    expect(within(editor).getByTestId("fault-plain").textContent).toBe("Okta creates to /Users: answer 503 with Retry-After 5 s, every 10th.");
    fireEvent.click(within(editor).getByRole("button", { name: "Add rule" }));
    await waitFor(() => expect(screen.queryByTestId("fault-editor")).toBeNull());
    expect(JSON.stringify(m.addFault.mock.calls[0][0])).toBe(JSON.stringify(expected));
    expect(rows()).toHaveLength(3);
  });

  it("switching the action to close the connection drops the error's fields", async () => {
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Add a rule…" }));
    const editor = screen.getByTestId("fault-editor");
    fireEvent.change(within(editor).getByLabelText("Name"), { target: { value: "gone" } });
    fireEvent.change(within(editor).getByLabelText("Status"), { target: { value: "429" } });
    fireEvent.click(within(editor).getByLabelText("Close the connection"));
    expect(within(editor).queryByLabelText("Status")).toBeNull();
    expect(JSON.parse(within(editor).getByTestId("fault-json").textContent!)).toEqual({ name: "gone", match: {}, action: { drop: true }, enabled: true });
  });

  it("shows the engine's 400 in the form, marks the field, and keeps the dialog open", async () => {
    m.replaceFault.mockRejectedValue(new ApiError('rule "Throttled app": action.status 200 is not an error status: use 400–599', 400));
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(within(row("Throttled app")).getByRole("button", { name: "edit Throttled app" }));
    const editor = screen.getByTestId("fault-editor");
    expect(within(editor).getByLabelText("Retry-After (s)")).toHaveProperty("value", "2");
    fireEvent.change(within(editor).getByLabelText("Status"), { target: { value: "200" } });
    fireEvent.click(within(editor).getByRole("button", { name: "Save rule" }));
    const error = await within(editor).findByTestId("fault-error");
    expect(error.textContent).toBe('rule "Throttled app": action.status 200 is not an error status: use 400–599');
    expect(m.replaceFault).toHaveBeenCalledWith(1, {
      name: "Throttled app",
      match: {},
      action: { status: 200, detail: "too many requests", retryAfter: 2 },
      times: 3,
      enabled: true,
    });
    expect(within(editor).getByLabelText("Status").getAttribute("aria-invalid")).toBe("true");
    expect(error.getAttribute("role")).toBe("alert");
    expect(within(editor).getByLabelText("Status").getAttribute("aria-describedby")).toContain(error.id);
    // no toast for a 400: the message is beside the form
    expect(screen.getByRole("region", { name: "notifications" }).textContent).toBe("");
    expect(screen.getByTestId("fault-editor")).toBeTruthy();
    // editing again clears the message
    fireEvent.change(within(editor).getByLabelText("Status"), { target: { value: "429" } });
    expect(within(editor).queryByTestId("fault-error")).toBeNull();
  });

  it("closes on Escape without sending anything", async () => {
    view();
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Add a rule…" }));
    expect(screen.getByTestId("fault-editor")).toBeTruthy();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("fault-editor")).toBeNull();
    expect(m.addFault).not.toHaveBeenCalled();
  });
});
