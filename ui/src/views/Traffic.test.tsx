import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api, host } from "../platform";
import type { Cycle, ExchangeDetail, Timeline } from "../generated";
import { emit, renderWithEngine, summary } from "./testHarness";
import { TrafficView } from "./Traffic";
import { setRun } from "../state/simulation";

vi.mock("../platform", async () => {
  const mock = (await import("./testPlatform")).platformMock();
  // the timeline strip's route (not in the shared fake platform)
  return { ...mock, api: { ...mock.api, timeline: vi.fn() } };
});

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const rowIds = () => screen.queryAllByTestId("exchange-row").map((r) => Number(r.getAttribute("data-id")));

function page(ids: number[], nextBefore: number | null = null) {
  return { items: ids.map((id) => summary({ id, path: `/scim/v2/Users/u${id}`, resourceName: `user${id}@example.com` })), nextBefore };
}

const EMPTY_TIMELINE: Timeline = { bucketMinutes: 1, buckets: [], cycles: [], exchanges: 0 };

beforeEach(() => {
  vi.clearAllMocks();
  setRun(null);
  window.location.hash = "";
  localStorage.clear();
  m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8787/scim/v2", keyMasked: "…abcd", strict: false });
  m.exchanges.mockResolvedValue(page([3, 2, 1]));
  m.timeline.mockResolvedValue(EMPTY_TIMELINE);
});

const view = (query = "", param: string | null = null) =>
  renderWithEngine(<TrafficView param={param} params={new URLSearchParams(query)} />);

describe("TrafficView", () => {
  it("renders the first page newest first, with the page size of 500", async () => {
    view("idp=okta&status=4xx");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(m.exchanges).toHaveBeenCalledWith({ idp: "okta", status: "4xx" }, null, 500);
    expect(screen.getAllByTestId("exchange-row")[0].textContent).toContain("user3@example.com");
  });

  it("prepends a live row, and skips rows that do not match the filters", async () => {
    view("idp=entra");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 4 }), summary({ id: 5, idp: "okta" }), summary({ id: 6 })] });
    expect(rowIds()).toEqual([6, 4, 3, 2, 1]);
  });

  it("shows ×n on a fold of rejected requests and updates it when the fold grows", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const fold = (n: number) => summary({ id: 4, status: 401, operation: "rejected", foldCount: n, lastAt: "2025-06-01T10:00:09.000Z" });
    emit({ type: "exchange.recorded", exchanges: [fold(1)] });
    expect(rowIds()).toEqual([4, 3, 2, 1]);
    expect(screen.queryByTestId("fold-count")).toBeNull();
    emit({ type: "exchange.recorded", exchanges: [fold(50)] });
    expect(rowIds()).toEqual([4, 3, 2, 1]);
    expect(screen.getByTestId("fold-count").textContent).toBe("×50");
  });

  it("holds live rows while paused and applies them on resume", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.click(screen.getByRole("button", { name: /pause/i }));
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 4 }), summary({ id: 5 })] });
    expect(rowIds()).toEqual([3, 2, 1]);
    expect(screen.getByTestId("pending-count").textContent).toContain("2 new");
    fireEvent.click(screen.getByRole("button", { name: /resume/i }));
    expect(rowIds()).toEqual([5, 4, 3, 2, 1]);
    expect(screen.queryByTestId("pending-count")).toBeNull();
  });

  it("Space on the focused grid toggles pause", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const grid = screen.getByRole("grid");
    fireEvent.keyDown(grid, { key: " " });
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 9 })] });
    expect(rowIds()).toEqual([3, 2, 1]);
    fireEvent.keyDown(grid, { key: " " });
    expect(rowIds()).toEqual([9, 3, 2, 1]);
  });

  it("moves the selection with j/k and arrows, and opens with Enter", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const grid = screen.getByRole("grid");
    fireEvent.keyDown(grid, { key: "j" });
    expect(grid.getAttribute("aria-activedescendant")).toBe("tx-row-3");
    fireEvent.keyDown(grid, { key: "ArrowDown" });
    fireEvent.keyDown(grid, { key: "j" });
    fireEvent.keyDown(grid, { key: "j" }); // clamps at the end
    expect(grid.getAttribute("aria-activedescendant")).toBe("tx-row-1");
    fireEvent.keyDown(grid, { key: "k" });
    expect(grid.getAttribute("aria-activedescendant")).toBe("tx-row-2");
    fireEvent.keyDown(grid, { key: "Home" });
    expect(grid.getAttribute("aria-activedescendant")).toBe("tx-row-3");
    fireEvent.keyDown(grid, { key: "End" });
    fireEvent.keyDown(grid, { key: "Enter" });
    expect(window.location.hash).toBe("#/traffic/1");
  });

  it("keeps the filters in the URL when a filter changes", async () => {
    view("idp=okta");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "5xx" } });
    expect(window.location.hash).toBe("#/traffic?idp=okta&status=5xx");
  });

  it("renders only a window of rows for a huge page", async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => 5000 - i);
    m.exchanges.mockResolvedValueOnce(page(ids, 1));
    view();
    await waitFor(() => expect(rowIds()[0]).toBe(5000));
    expect(rowIds().length).toBeLessThan(80);
  });

  it("says how to get traffic when there is none, and offers to clear filters when they hide everything", async () => {
    m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
    const { unmount } = view();
    await screen.findByText("No traffic yet");
    expect(screen.getByText("Connect").getAttribute("href")).toBe("#/connect");
    unmount();
    view("status=5xx");
    await screen.findByText("No exchange matches these filters");
    fireEvent.click(screen.getByText("Clear filters"));
    expect(window.location.hash).toBe("#/traffic");
  });

  it("reloads on reset", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
    emit({ type: "reset" });
    await screen.findByText("No traffic yet");
  });

  it("shows the detail with headers, quirks and a diff", async () => {
    m.exchange.mockResolvedValue({
      ...summary({ id: 2, method: "PATCH", path: "/scim/v2/Users/u2", resourceType: "User", resourceId: "u2", quirks: ["entra.capitalized-op"] }),
      clientAddr: "127.0.0.1:5555",
      idpReason: "capitalised PATCH ops are Entra-only",
      requestHeaders: [["Authorization", "Bearer …abcd"], ["Content-Type", "application/scim+json"]],
      requestBody: '{"Operations":[{"op":"Replace","path":"active","value":"False"}]}',
      requestTruncated: false,
      responseHeaders: [["Content-Type", "application/scim+json"]],
      responseBody: '{"id":"u2","active":false}',
      responseTruncated: true,
      auth: { scheme: "Bearer", last4: "abcd", matched: true },
      before: { id: "u2", active: true },
      after: { id: "u2", active: false },
    });
    view("", "2");
    const detail = await screen.findByTestId("exchange-detail");
    await waitFor(() => expect(within(detail).getByTestId("request-headers").textContent).toContain("Bearer …abcd"));
    expect(within(detail).getByTestId("response-headers").textContent).toContain("application/scim+json");
    expect(detail.textContent).toContain("capitalised PATCH ops are Entra-only");
    await waitFor(() => expect(detail.textContent).toContain("Entra capitalises PATCH ops"));
    expect(detail.textContent).toContain("outside RFC 7644");
    expect(detail.textContent).toContain("key matched");
    expect(detail.textContent).toContain("truncated");
    expect(within(detail).getByTestId("resource-diff").textContent).toContain("active");
    expect(within(detail).getByText("open user").getAttribute("href")).toBe("#/users/u2");
    fireEvent.click(within(detail).getByText("only this resource"));
    expect(window.location.hash).toBe("#/traffic/2?resource=u2");
  });

  it("exports HAR for the current filters through the host", async () => {
    m.exportHar.mockResolvedValue('{"log":{}}');
    view("idp=okta");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.click(screen.getByText("Export HAR"));
    await waitFor(() => expect(host.saveFile).toHaveBeenCalledWith("scimlab-traffic.har", '{"log":{}}', "application/json"));
    expect(m.exportHar).toHaveBeenCalledWith({ idp: "okta" });
    await screen.findByText(/HAR saved to scimlab-traffic.har/);
  });

  it("resizes the detail pane from the keyboard", async () => {
    m.exchange.mockResolvedValue(null);
    view("", "2");
    const sep = await screen.findByRole("separator");
    const wrap = sep.nextElementSibling as HTMLElement;
    const before = parseInt(wrap.style.width, 10);
    fireEvent.keyDown(sep, { key: "ArrowLeft" });
    expect(parseInt(wrap.style.width, 10)).toBe(before + 40);
  });

  it("a simulate button shows the run's progress until it ends", async () => {
    m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
    m.startSimulation.mockResolvedValue({ id: "r9" });
    view();
    fireEvent.click(await screen.findByRole("button", { name: "Simulate ▾" }));
    fireEvent.click(screen.getByRole("menuitem", { name: /^Okta — guide setup/ }));
    await waitFor(() => expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("running"));
    emit({ type: "simulation.failed", id: "r9", error: "cannot reach the SCIM listener" });
    expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("failed");
    expect(screen.getByRole("alert").textContent).toContain("cannot reach the SCIM listener");
  });

  it("a run the engine forgot (404 after a resync) stops showing as running", async () => {
    m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
    m.startSimulation.mockResolvedValue({ id: "r10" });
    m.simulation.mockRejectedValue(Object.assign(new Error("no simulation 'r10'"), { status: 404 }));
    view();
    fireEvent.click(await screen.findByRole("button", { name: "Simulate ▾" }));
    fireEvent.click(screen.getByRole("menuitem", { name: /^Entra ID — guide setup/ }));
    await waitFor(() => expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("running"));
    emit({ type: "resync", missed: 3 });
    await waitFor(() => expect(screen.getByTestId("simulation-status").getAttribute("data-state")).toBe("failed"));
    expect(m.simulation).toHaveBeenCalledWith("r10");
  });
});
