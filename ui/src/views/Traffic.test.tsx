import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api, host } from "../platform";
import type { Cycle, ExchangeDetail, Timeline } from "../generated";
import { emit, renderWithEngine, summary } from "./testHarness";
import { TrafficView } from "./Traffic";
import { setRun } from "../state/simulation";
import { setReplay } from "./replay/store";

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

/** A whole exchange as `api.exchange` answers, failed or not. */
function detail(over: Partial<ExchangeDetail> = {}): ExchangeDetail {
  return {
    ...summary({ id: 7, method: "PATCH", path: "/scim/v2/Users/794df256-f401-443f-937c-1dfabf7c3ac1", status: 200, operation: "update" }),
    clientAddr: "127.0.0.1:5555",
    idpReason: "capitalised PATCH ops are Entra-only",
    requestHeaders: [["Authorization", "Bearer …abcd"]],
    requestBody: '{"Operations":[{"op":"Replace","path":"active","value":false}]}',
    requestTruncated: false,
    responseHeaders: [["Content-Type", "application/scim+json"]],
    responseBody: "{}",
    responseTruncated: false,
    auth: { scheme: "Bearer", last4: "abcd", matched: true, outcome: "matched" },
    before: null,
    after: null,
    diagnosis: null,
    reaction: null,
    ...over,
  };
}

const STRICT_400: Partial<ExchangeDetail> = {
  status: 400,
  refusedQuirk: "entra.capitalized-op",
  responseBody: '{"scimType":"invalidSyntax","detail":"op \'Replace\' must be lowercase (strict mode)"}',
  diagnosis: {
    cause: "strict-refused",
    title: "strict mode refused entra.capitalized-op: PATCH `op` written with capitals",
    status: 400,
    scimType: "invalidSyntax",
    detail: "op 'Replace' in operation 1 must be lowercase (strict mode): send \"replace\"",
    quirk: "entra.capitalized-op",
    fix: "change the IdP so it stops sending this, or turn strict mode off in Settings",
  },
};

const before = (a: Element, b: Element) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;

describe("failures first", () => {
  it("opens a failed exchange on a red 'Why it failed' banner, above the headers", async () => {
    m.exchange.mockResolvedValue(detail(STRICT_400));
    view("", "7");
    const banner = await screen.findByTestId("why-failed");
    const d = screen.getByTestId("exchange-detail");
    expect(within(banner).getByTestId("why-status").textContent).toBe("400invalidSyntax");
    expect(within(banner).getByTestId("why-title").textContent).toBe("strict mode refused entra.capitalized-op: PATCH op written with capitals");
    expect(within(banner).getByTestId("why-title").querySelector("code")?.textContent).toBe("op");
    expect(within(banner).getByTestId("why-detail").textContent).toContain("op 'Replace' in operation 1 must be lowercase");
    // the quirk behind it, with its plain-words explanation from api.quirks()
    const quirk = within(banner).getByTestId("why-quirk");
    expect(quirk.textContent).toContain("entra.capitalized-op");
    await waitFor(() => expect(quirk.textContent).toContain("Entra capitalises PATCH ops"));
    expect(quirk.textContent).toContain("outside RFC 7644");
    expect(within(banner).getByTestId("why-fix").textContent).toContain("turn strict mode off in Settings");
    // first in the pane: before the summary, the auth line and the headers
    const body = d.querySelector(".tx-detail-body")!;
    expect(body.firstElementChild).toBe(banner);
    expect(before(banner, screen.getByTestId("request-headers"))).toBe(true);
    expect(before(banner, screen.getByTestId("auth-line"))).toBe(true);
  });

  it("says the quirk's explanation once: beside the quirk, not again in the title", async () => {
    const diagnosis = { ...STRICT_400.diagnosis!, title: "strict mode refused entra.capitalized-op: Entra capitalises PATCH ops" };
    m.exchange.mockResolvedValue(detail({ ...STRICT_400, diagnosis }));
    view("", "7");
    const quirk = await screen.findByTestId("why-quirk");
    await waitFor(() => expect(quirk.textContent).toContain("Entra capitalises PATCH ops"));
    expect(screen.getByTestId("why-title").textContent).toBe("strict mode refused entra.capitalized-op");
    // the quirk comes right after the title, before the SCIM detail
    expect(before(quirk, screen.getByTestId("why-detail"))).toBe(true);
  });

  it("shows no banner for a success, and a plain one when the engine gave no diagnosis", async () => {
    m.exchange.mockResolvedValue(detail());
    const { unmount } = view("", "7");
    await screen.findByTestId("request-headers");
    expect(screen.queryByTestId("why-failed")).toBeNull();
    unmount();
    m.exchange.mockResolvedValue(detail({ status: 502, diagnosis: null }));
    view("", "7");
    const banner = await screen.findByTestId("why-failed");
    expect(banner.className).toContain("s5xx");
    expect(banner.textContent).toContain("the request was answered 502");
  });

  it.each([
    ["matched", "Bearer", "key matched"],
    ["wrong-key", "Bearer", "wrong key"],
    ["missing-header", null, "missing header: no Authorization header arrived"],
    ["wrong-scheme", "Basic", "wrong scheme"],
    ["not-checked", "Bearer", "not checked — the route was refused first"],
  ] as const)("says the key's outcome (%s) on the Auth line", async (outcome, scheme, words) => {
    m.exchange.mockResolvedValue(
      detail({ status: outcome === "matched" ? 200 : outcome === "not-checked" ? 404 : 401, auth: { scheme, last4: scheme ? "abcd" : null, matched: outcome === "matched", outcome } }),
    );
    view("", "7");
    const line = await screen.findByTestId("auth-line");
    expect(line.textContent).toContain(words);
    expect(line.textContent).not.toContain("key refused");
    if (outcome === "not-checked") expect(line.textContent).not.toMatch(/wrong|refused the key|missing/);
  });

  it("cuts the resource id in the middle and marks it internal, and decodes the query", async () => {
    m.exchange.mockResolvedValue(
      detail({
        method: "GET",
        path: "/scim/v2/Users",
        query: "filter=userName%20eq%20%22a%40b%22&excludedAttributes=members",
        resourceType: "User",
        resourceId: "2819c223-7f76-453a-919d-41386190a5d0",
        resourceName: "a@b",
      }),
    );
    view("", "7");
    const params = await screen.findByTestId("query-params");
    expect([...params.querySelectorAll("tr")].map((r) => r.textContent)).toEqual(['filteruserName eq "a@b"', "excludedAttributesmembers"]);
    const id = screen.getByTitle("2819c223-7f76-453a-919d-41386190a5d0", { exact: true });
    expect(id.textContent).toBe("2819c223…a5d0");
    expect(id.classList.contains("internal-id")).toBe(true);
  });
});

describe("readable rows", () => {
  const uuid = "794df256-f401-443f-937c-1dfabf7c3ac1";
  const rows = () => ({
    items: [
      summary({ id: 3, method: "PATCH", path: `/scim/v2/Users/${uuid}`, status: 400, operation: "update", refusedQuirk: "entra.capitalized-op" }),
      summary({ id: 2, method: "GET", path: "/scim/v2/Users", query: "filter=userName+eq+%22ada%40contoso.example%22", operation: "match-lookup", quirks: ["entra.plus-encoded-filter", "okta.some-long-quirk-label"] }),
      summary({ id: 1, status: 503, operation: "read" }),
    ],
    nextBefore: null,
    total: 3,
    requests: 3,
  });
  const row = (id: number) => document.getElementById(`tx-row-${id}`)!;

  it("colours rows by status class and marks a success that relied on a quirk", async () => {
    m.exchanges.mockResolvedValue(rows());
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(row(3).className).toMatch(/\bs4xx\b/);
    expect(row(2).className).toMatch(/\bs2xx\b.*\bquirky\b/);
    expect(row(1).className).toMatch(/\bs5xx\b/);
    expect(row(1).querySelector(".badge.status")!.className).toContain("s5xx");
    expect(row(3).querySelector(".badge.status")!.className).toContain("s4xx");
  });

  it("shows quirks as one count badge with the labels in its title (no chip to cut)", async () => {
    m.exchanges.mockResolvedValue(rows());
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const two = within(row(2)).getByTestId("quirk-count");
    expect(two.textContent).toBe("2 quirks");
    expect(two.getAttribute("title")).toBe("entra.plus-encoded-filter\nokta.some-long-quirk-label");
    expect(row(2).querySelector(".badge.quirk")).toBeNull();
    const refused = within(row(3)).getByTestId("quirk-count");
    expect(refused.textContent).toBe("1 quirk");
    expect(refused.className).toContain("refused");
    expect(refused.getAttribute("title")).toBe("refused by strict mode: entra.capitalized-op");
    expect(within(row(1)).queryByTestId("quirk-count")).toBeNull();
  });

  it("decodes the filter and cuts ids in the middle, the whole request in the title", async () => {
    m.exchanges.mockResolvedValue(rows());
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const path2 = row(2).querySelector(".tx-c-path")!;
    // the method is in the path too (shown by CSS when the method column is not)
    expect(path2.textContent).toBe('GET /scim/v2/Users userName eq "ada@contoso.example"');
    expect(path2.querySelector(".tx-inline-method")?.textContent).toBe("GET ");
    expect(path2.getAttribute("title")).toBe('GET /scim/v2/Users?filter=userName eq "ada@contoso.example"');
    const path3 = row(3).querySelector(".tx-c-path")!;
    expect(path3.textContent).toBe("PATCH /scim/v2/Users/794df256…3ac1");
    expect(within(path3 as HTMLElement).getByTitle(uuid).textContent).toBe("794df256…3ac1");
  });

  it("compacts the table while the detail is open: method into the path, the IdP short, status kept", async () => {
    m.exchanges.mockResolvedValue(rows());
    m.exchange.mockResolvedValue(detail({ id: 3 }));
    const { unmount } = view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const grid = screen.getByRole("grid");
    expect(grid.className).not.toContain("narrow");
    expect(row(3).querySelector(".tx-c-method")?.textContent).toBe("PATCH");
    expect(row(3).querySelector(".tx-c-latency")).not.toBeNull();
    expect(row(3).querySelector(".tx-c-idp")!.textContent).toBe("Entra ID");
    unmount();

    view("", "3");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(screen.getByRole("grid").className).toContain("narrow");
    const r = row(3);
    expect(r.querySelector(".tx-c-method")).toBeNull();
    expect(r.querySelector(".tx-c-latency")).toBeNull();
    expect(r.querySelector(".tx-c-resource")).toBeNull();
    expect(r.querySelector(".tx-c-path")!.textContent).toBe("PATCH …/Users/794df256…3ac1");
    const idp = r.querySelector(".tx-c-idp .badge")!;
    expect(idp.textContent).toBe("Entra");
    expect(idp.getAttribute("title")).toBe("Entra ID");
    expect(r.querySelector(".tx-c-status")!.textContent).toBe("400");
    const heads = [...within(screen.getByRole("grid")).getAllByRole("columnheader")].map((h) => h.textContent);
    expect(heads).toEqual(["", "time", "IdP", "operation", "request", "status", "quirks"]);
  });
});

describe("the true count", () => {
  it("shows the engine's total, not the rows loaded, and keeps it true as rows arrive", async () => {
    m.exchanges.mockResolvedValue({ ...page([5450, 5449, 5448], 5448), total: 5450, requests: 5460 });
    view();
    const counter = await screen.findByTestId("exchange-count");
    await waitFor(() => expect(counter.textContent).toBe("5,450 exchanges"));
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 5452 }), summary({ id: 5451 })] });
    expect(counter.textContent).toBe("5,452 exchanges");
    // a fold that grew is the same exchange
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 5449, status: 401, operation: "rejected", foldCount: 4 })] });
    expect(counter.textContent).toBe("5,452 exchanges");
  });

  it("says 'n of total' when filtered, both kept true live", async () => {
    m.exchanges.mockImplementation(async (f: Record<string, string>, _before: number | null, limit: number) =>
      limit === 1 && Object.keys(f).length === 0
        ? { items: [summary({ id: 5450 })], nextBefore: 5450, total: 5450, requests: 5450 }
        : { items: [summary({ id: 5440, status: 404 })], nextBefore: 5440, total: 312, requests: 312 },
    );
    view("status=4xx");
    const counter = await screen.findByTestId("exchange-count");
    await waitFor(() => expect(counter.textContent).toBe("312 of 5,450 exchanges"));
    expect(m.exchanges).toHaveBeenCalledWith({}, null, 1);
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 5451, status: 409 }), summary({ id: 5452, status: 201 })] });
    expect(counter.textContent).toBe("313 of 5,452 exchanges");
  });

  it("falls back to the rows loaded with an engine that does not count", async () => {
    m.exchanges.mockResolvedValue(page([3, 2, 1], 1));
    view();
    const counter = await screen.findByTestId("exchange-count");
    await waitFor(() => expect(counter.textContent).toBe("3+ exchanges"));
  });
});

describe("the timeline", () => {
  const local = (h: number, mi: number, se = 0) => new Date(2026, 10, 28, h, mi, se).toISOString();
  const entraCycle: Cycle = {
    idp: "entra",
    kind: "cycle",
    start: local(14, 2, 5),
    end: local(14, 3, 10),
    requests: 42,
    failed: 2,
    operations: [{ operation: "create", count: 37, failed: 2 }],
    firstId: 2,
    lastId: 3,
    summary: "37 creates, 3 updates, 2 failed",
  };
  const tl: Timeline = {
    bucketMinutes: 1,
    buckets: [
      { at: local(14, 2), ok: 30, clientError: 2, serverError: 0, refused: 0 },
      { at: local(14, 3), ok: 10, clientError: 0, serverError: 1, refused: 4 },
    ],
    cycles: [entraCycle],
    exchanges: 47,
  };

  it("draws a bar per bucket and a cycle with its words on hover, and reloads on traffic at most every 2 s", { timeout: 10_000 }, async () => {
    let answer: (t: Timeline) => void = () => {};
    const at: number[] = [];
    m.timeline
      .mockImplementationOnce(() => {
        at.push(Date.now());
        return new Promise<Timeline>((r) => (answer = r));
      })
      .mockImplementation(async () => {
        at.push(Date.now());
        return tl;
      });
    m.exchanges.mockResolvedValue({ ...page([5, 4, 3, 2, 1]), total: 5, requests: 5 });
    view();
    // its place is held while it loads, then it draws
    expect((await screen.findByTestId("timeline")).getAttribute("aria-busy")).toBe("true");
    // the placeholder can be in the page before the strip's effect has asked for the timeline
    // (a render outside act runs its effects a task later): answer only the request made
    await waitFor(() => expect(at).toHaveLength(1));
    answer(tl);
    await screen.findByTestId("timeline-svg", {}, { timeout: 3000 });
    const strip = screen.getByTestId("timeline");
    expect(strip.getAttribute("aria-busy")).toBeNull();
    expect(within(strip).getAllByTestId("timeline-bar")).toHaveLength(2);
    expect(within(strip).getByTestId("timeline-axis").textContent).toBe("14:02–14:04 · 1-min bars");
    expect(strip.textContent).toContain("refused");
    const c = within(strip).getByTestId("timeline-cycle");
    expect(c.getAttribute("aria-label")).toBe("Entra ID cycle at 14:02 — 37 creates, 3 updates, 2 failed");
    fireEvent.mouseEnter(c);
    expect(within(strip).getByTestId("cycle-tooltip").textContent).toContain("Entra ID cycle at 14:02 — 37 creates, 3 updates, 2 failed");
    fireEvent.mouseLeave(c);
    expect(within(strip).queryByTestId("cycle-tooltip")).toBeNull();

    // bursts of traffic reload it, at most once every 2 s
    expect(at).toHaveLength(1);
    for (let i = 6; i < 12; i++) emit({ type: "exchange.recorded", exchanges: [summary({ id: i })] });
    await waitFor(() => expect(at).toHaveLength(2), { timeout: 3000 });
    for (let i = 12; i < 18; i++) emit({ type: "exchange.recorded", exchanges: [summary({ id: i })] });
    await waitFor(() => expect(at).toHaveLength(3), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(at).toHaveLength(3);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(1990);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(1990);
  });

  it("clicking a cycle lands the table on it and marks its rows; again unmarks", async () => {
    m.timeline.mockResolvedValue({ ...tl, cycles: [{ ...entraCycle, firstId: 800, lastId: 900 }] });
    // the first page holds 1000..951; the cycle is on an older page
    const first = Array.from({ length: 50 }, (_, i) => 1000 - i);
    const older = Array.from({ length: 200 }, (_, i) => 950 - i);
    m.exchanges.mockImplementation(async (_f: unknown, before: number | null) =>
      before === null ? { ...page(first, 951), total: 250, requests: 250 } : { ...page(older, null), total: null, requests: null },
    );
    view();
    await waitFor(() => expect(rowIds()[0]).toBe(1000));
    fireEvent.click(await screen.findByTestId("timeline-cycle"));
    await waitFor(() => expect(m.exchanges).toHaveBeenCalledWith({}, 951, 500));
    const grid = screen.getByRole("grid");
    await waitFor(() => expect(grid.getAttribute("aria-activedescendant")).toBe("tx-row-900"));
    const scroller = grid.querySelector(".tx-scroll") as HTMLElement;
    expect(scroller.scrollTop).toBe(first.length * 30 + 50 * 30);
    await waitFor(() => expect(document.getElementById("tx-row-900")?.className).toContain("in-cycle"));
    expect(document.getElementById("tx-row-899")?.className).toContain("in-cycle");
    expect(document.getElementById("tx-row-901")?.className ?? "").not.toContain("in-cycle");
    expect(screen.getByTestId("timeline-cycle").getAttribute("class")).toContain("picked");
    fireEvent.click(screen.getByTestId("timeline-cycle"));
    await waitFor(() => expect(document.getElementById("tx-row-900")?.className ?? "").not.toContain("in-cycle"));
  });

  it("says so when none of the cycle's exchanges is in the filtered table", async () => {
    m.timeline.mockResolvedValue({ ...tl, cycles: [{ ...entraCycle, firstId: 10, lastId: 12 }] });
    m.exchanges.mockResolvedValue({ ...page([30, 9]), total: 2, requests: 2 });
    view("status=5xx");
    await waitFor(() => expect(rowIds()).toEqual([30, 9]));
    fireEvent.click(await screen.findByTestId("timeline-cycle"));
    await screen.findByText(/none of this cycle's exchanges is in the table/);
  });

  it("collapses, remembers it, and stops loading while collapsed", async () => {
    m.timeline.mockResolvedValue(tl);
    const { unmount } = view();
    const toggle = await screen.findByRole("button", { name: /Timeline/ });
    await screen.findByTestId("timeline-svg");
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    fireEvent.click(toggle);
    expect(screen.queryByTestId("timeline-svg")).toBeNull();
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    unmount();
    m.timeline.mockClear();
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(screen.getByRole("button", { name: /Timeline/ }).getAttribute("aria-expanded")).toBe("false");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 4 })] });
    await new Promise((r) => setTimeout(r, 50));
    expect(m.timeline).not.toHaveBeenCalled();
  });

  it("draws nothing while there is no traffic", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await waitFor(() => expect(m.timeline).toHaveBeenCalled());
    expect(screen.queryByTestId("timeline")).toBeNull();
  });
});

describe("rehearsed faults", () => {
  const fault = { ruleId: 3, ruleName: "Throttled app", did: "answered 429 (Retry-After 2 s)", subject: "thr-1@example.com", retryAfter: 2, wrote: false };

  it("marks a faulted row with a fault chip naming the rule, and status 0 as no answer", async () => {
    m.exchanges.mockResolvedValue({
      items: [
        summary({ id: 3, method: "POST", status: 0, operation: "create", fault: { ruleId: 4, ruleName: "No answer", did: "closed the connection without an answer", wrote: false } }),
        summary({ id: 2, method: "POST", status: 429, operation: "create", fault }),
        summary({ id: 1 }),
      ],
      nextBefore: null,
    });
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const [dropped, throttled, plain] = screen.getAllByTestId("exchange-row");
    const chip = within(throttled).getByTestId("fault-chip");
    expect(chip.textContent).toBe("fault");
    expect(chip.getAttribute("title")).toBe('fault rule "Throttled app" answered 429 (Retry-After 2 s) (a rehearsed failure, not the app\'s)');
    expect(throttled.className).toContain("faulted");
    expect(within(plain).queryByTestId("fault-chip")).toBeNull();
    expect(dropped.querySelector(".tx-c-status")!.textContent).toBe("no answer");
    expect(dropped.className).toContain("failed");
    expect(within(dropped).getByTestId("fault-chip").getAttribute("title")).toContain('"No answer" closed the connection');
    // a live faulted row is marked too
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 4, status: 500, fault: { ...fault, ruleName: "escrow", did: "answered 500" } })] });
    const live = screen.getAllByTestId("exchange-row")[0];
    expect(within(live).getByTestId("fault-chip").getAttribute("title")).toContain('"escrow" answered 500');
  });

  it("opens a faulted exchange on the Fault section: the rule, what it did and what the IdP did next", async () => {
    m.exchange.mockResolvedValue(
      detail({
        status: 429,
        fault,
        diagnosis: {
          cause: "rehearsed",
          title: 'a fault rule answered: "Throttled app" answered 429 (Retry-After 2 s) (a rehearsed failure, not the app\'s)',
          status: 429,
          scimType: null,
          detail: "too many requests (ScimLab fault rule)",
          quirk: null,
          fix: "nothing to fix in the IdP: see what it did next",
        },
        reaction: { kind: "retried", retriedAfterMs: 2400, honouredRetryAfter: true, sentence: "Entra ID retried the create 2.4 s later and got 201." },
      }),
    );
    view("", "7");
    const section = await screen.findByTestId("fault-section");
    const body = screen.getByTestId("exchange-detail").querySelector(".tx-detail-body")!;
    expect(body.firstElementChild).toBe(section);
    expect(within(section).getByTestId("fault-rule-name").textContent).toBe("Throttled app");
    expect(within(section).getByTestId("fault-did").textContent).toContain("answered 429 (Retry-After 2 s) to a request about thr-1@example.com");
    expect(within(section).getByTestId("fault-reaction").textContent).toContain("Entra ID retried the create 2.4 s later and got 201.");
    expect(within(section).getByTestId("reaction-kind").textContent).toBe("retried");
    expect(within(section).getByTestId("retry-after-honoured").textContent).toBe("waited the Retry-After");
    // Why it failed still tells the rehearsed cause, after the Fault section
    const banner = screen.getByTestId("why-failed");
    expect(before(section, banner)).toBe(true);
    expect(within(banner).getByTestId("why-title").textContent).toContain('a fault rule answered: "Throttled app"');
  });

  it("shows a dropped request as no answer in the detail, with why it failed", async () => {
    m.exchange.mockResolvedValue(
      detail({
        status: 0,
        fault: { ruleId: 4, ruleName: "No answer", did: "closed the connection without an answer", wrote: false },
        responseHeaders: [],
        responseBody: null,
        diagnosis: null,
        reaction: { kind: "gave-up", retriedAfterMs: null, honouredRetryAfter: null, sentence: "Entra ID did not come back about this user." },
      }),
    );
    view("", "7");
    const section = await screen.findByTestId("fault-section");
    expect(within(section).getByTestId("reaction-kind").textContent).toBe("gave up");
    expect(within(section).queryByTestId("retry-after-honoured")).toBeNull();
    const banner = screen.getByTestId("why-failed");
    expect(within(banner).getByTestId("why-status").textContent).toBe("no answer");
    expect(within(banner).getByTestId("why-title").textContent).toBe("the request got no answer: the connection was closed");
    expect(screen.getByTestId("exchange-detail").querySelector(".tx-summary .badge.status")!.textContent).toBe("no answer");
  });

  it("asks for the reaction again when the same IdP sends more", async () => {
    const waiting = { kind: "no-traffic-yet" as const, retriedAfterMs: null, honouredRetryAfter: null, sentence: "Entra ID has not come back yet." };
    m.exchange.mockResolvedValueOnce(detail({ id: 7, status: 429, fault, reaction: waiting }));
    m.exchange.mockResolvedValueOnce(
      detail({ id: 7, status: 429, fault, reaction: { ...waiting, kind: "retried", retriedAfterMs: 2100, honouredRetryAfter: true, sentence: "Entra ID retried the create 2.1 s later and got 201." } }),
    );
    view("", "7");
    await screen.findByTestId("fault-section");
    expect(screen.getByTestId("reaction-kind").textContent).toBe("nothing yet");
    emit({ type: "exchange.recorded", exchanges: [summary({ id: 8, idp: "entra", status: 201 })] });
    await waitFor(() => expect(screen.getByTestId("reaction-kind").textContent).toBe("retried"), { timeout: 3000 });
    expect(screen.getByTestId("fault-reaction").textContent).toContain("2.1 s later");
  });
});

describe("TrafficView replay", () => {
  beforeEach(() => setReplay(null));
  const check = (id: number) => document.getElementById(`tx-row-${id}`)!.querySelector<HTMLInputElement>('[data-testid="exchange-check"]')!;
  async function startReplay() {
    fireEvent.click(screen.getByTestId("replay-button"));
    await screen.findByTestId("replay-dialog");
    fireEvent.change(screen.getByLabelText("Target SCIM base URL"), { target: { value: "http://127.0.0.1:9999/scim/v2" } });
    fireEvent.change(screen.getByLabelText("Token"), { target: { value: "k" } });
    fireEvent.click(screen.getByRole("button", { name: "Start replay" }));
    await waitFor(() => expect(m.startReplay).toHaveBeenCalledTimes(1));
    return m.startReplay.mock.calls[0][0];
  }

  it("ticks rows (Shift-click: a range) without opening them, and replays their ids oldest first", async () => {
    m.startReplay.mockResolvedValue({ id: "r1", selected: 2 });
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.click(check(3));
    fireEvent.click(check(1), { shiftKey: true });
    expect([check(3).checked, check(2).checked, check(1).checked]).toEqual([true, true, true]);
    expect(screen.getByTestId("selected-count").textContent).toContain("3 selected");
    expect(window.location.hash).toBe(""); // a tick never opens the row
    fireEvent.click(check(2));
    expect(check(2).checked).toBe(false);
    const body = await startReplay();
    expect(body.selection).toEqual({ writesOnly: false, ids: [1, 3] });
    expect(body.token).toBe("k");
  });

  it("select all shown ticks every row listed; x ticks the active row; clear empties it", async () => {
    view();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.click(screen.getByTestId("select-all"));
    expect(screen.getByTestId("selected-count").textContent).toContain("3 selected");
    fireEvent.click(screen.getByRole("button", { name: "clear the selection" }));
    expect(screen.queryByTestId("selected-count")).toBeNull();
    const grid = screen.getByRole("grid");
    fireEvent.keyDown(grid, { key: "j" });
    fireEvent.keyDown(grid, { key: "x" });
    expect(check(3).checked).toBe(true);
    expect((screen.getByTestId("select-all") as HTMLInputElement).indeterminate).toBe(true);
  });

  it("with nothing ticked replays what the filters show: the IdP filter as selection.idp", async () => {
    m.startReplay.mockResolvedValue({ id: "r2", selected: 3 });
    view("idp=okta");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const body = await startReplay();
    expect(body.selection).toEqual({ idp: "okta", writesOnly: false });
  });

  it("with nothing ticked and other filters, replays the ids listed", async () => {
    m.startReplay.mockResolvedValue({ id: "r3", selected: 3 });
    view("status=2xx");
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    fireEvent.click(screen.getByTestId("replay-button"));
    expect((await screen.findByTestId("replay-what")).textContent).toContain("the 3 exchanges the filters show");
    fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("replay-dialog")).toBeNull());
    const body = await startReplay();
    expect(body.selection).toEqual({ writesOnly: false, ids: [1, 2, 3] });
  });
});
