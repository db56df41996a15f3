//! Tests of the user page: effective role, profile explanation, mapping table (and its cards where the table would not fit), role history in the shared status words and timeline from a mocked ResourceDetail; the SCIM id marked internal; the 404 state; "Replay this user" sends selection.user.

import { describe, expect, it, vi, beforeEach, afterEach } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ExchangeSummary, ResourceDetail } from "../../generated";
import { ApiError } from "../../platform/http";
import { mapping, user } from "./fixtures";
import { UserPage } from "./UserPage";
import { setReplay } from "../replay/store";

const getUser = vi.fn();
const startReplay = vi.fn();
vi.mock("../../platform", async (orig) => ({
  ...(await orig<typeof import("../../platform")>()),
  api: { user: (...a: unknown[]) => getUser(...a), startReplay: (...a: unknown[]) => startReplay(...a), replay: vi.fn(() => new Promise(() => {})) },
}));

function exchange(id: number, operation: ExchangeSummary["operation"], method: string, status = 201): ExchangeSummary {
  return { id, at: "2026-01-02T10:00:00Z", method, path: "/scim/v2/Users", query: "", status, latencyMs: 2, idp: "entra", operation, resourceType: "User", resourceId: "u1", resourceName: "ada@x.test", quirks: [] };
}

function detail(): ResourceDetail {
  const before = mapping({ userName: "ada@x.test" });
  const after = mapping({ userName: "ada@x.test", role: "Admin", roleStatus: "mapped" });
  after.fields[3] = { ...after.fields[3], path: "urn:ietf:params:scim:schemas:extension:testmail:2.0:User:employeeType", raw: "Admin", explanation: "Admin arrived in employeeType" };
  return {
    resource: user("u1", "ada@x.test", { "urn:ietf:params:scim:schemas:extension:testmail:2.0:User": { employeeType: "Admin" } }),
    exchanges: [],
    exchangesNextBefore: null,
    mapping: after,
    roleHistory: [
      { from: null, to: "Member", status: "defaulted", raw: null, exchangeId: 11, at: "2026-01-02T10:00:00Z" },
      { from: "Member", to: "Admin", status: "mapped", raw: '"Admin"', exchangeId: 12, at: "2026-01-02T10:05:00Z" },
    ],
    timeline: [
      { exchange: exchange(11, "create", "POST"), before: null, after: {}, mappingBefore: null, mappingAfter: before, changedFields: ["userName", "displayName", "email", "role"], reaction: null },
      { exchange: exchange(12, "update", "PATCH", 200), before: {}, after: {}, mappingBefore: before, mappingAfter: after, changedFields: ["role"], reaction: null },
    ],
  };
}

beforeEach(() => {
  getUser.mockReset();
});

/** Lay the page out `width` px wide, with a mapping table `tableWidth` px wide when shown. */
function layOut(width: number, tableWidth: number) {
  const observers: (() => void)[] = [];
  vi.stubGlobal(
    "ResizeObserver",
    class {
      constructor(cb: () => void) {
        observers.push(cb);
      }
      observe() {}
      disconnect() {}
    },
  );
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockImplementation(function (this: HTMLElement) {
    return this.classList.contains("mapping-wrap") ? width : 0;
  });
  vi.spyOn(HTMLElement.prototype, "offsetWidth", "get").mockImplementation(function (this: HTMLElement) {
    return this.tagName === "TABLE" ? tableWidth : 0;
  });
  return observers;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("UserPage", () => {
  it("shows the effective role, the profile and the field-by-field mapping", async () => {
    getUser.mockResolvedValue(detail());
    render(<UserPage id="u1" />);
    const page = await screen.findByTestId("user-page");
    expect(getUser).toHaveBeenCalledWith("u1");
    expect(within(page).getByRole("heading", { level: 2 }).textContent).toBe("ada@x.test");
    expect(screen.getByTestId("user-role").textContent).toContain("Admin");
    expect(page.textContent).toContain("created by entra, so the entra profile applies");

    const table = screen.getByTestId("mapping-table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-field"))).toEqual(["userName", "displayName", "email", "role"]);
    const role = rows[3];
    expect(within(role).getByText("urn:ietf:params:scim:schemas:extension:testmail:2.0:User:employeeType")).toBeTruthy();
    expect(within(role).getByText('"Admin"')).toBeTruthy(); // raw, as JSON
    expect(within(role).getByText("mapped").className).toContain("good");
    expect(within(role).getByText("mapped").getAttribute("title")).toBe("mapped — Member or Admin arrived and was read");
    expect(within(role).getByText("Admin arrived in employeeType")).toBeTruthy();
    expect(screen.getByText("name.givenName")).toBeTruthy(); // unmapped

    // role history links to the exchange that changed it
    const links = screen.getAllByRole("link", { name: "#12" }).map((a) => a.getAttribute("href"));
    expect(links).toContain("#/traffic/12");
    // the timeline highlights the changed role
    const update = page.querySelector('[data-exchange="12"]')!;
    expect(update.querySelector(".change-chip")!.textContent).toBe("role: Member (defaulted) → Admin");
    // the role history speaks the same words
    const history = page.querySelector(".role-history")!;
    expect(within(history as HTMLElement).getByText("defaulted").getAttribute("title")).toBe("defaulted — no role arrived, so Member");
    // the SCIM id is internal (presentation mode hides it)
    expect(within(page).getByText("u1").closest(".internal-id")).toBeTruthy();
  });

  it("marks an attempt a fault rule answered and says what the IdP did next", async () => {
    const d = detail();
    const refused = { ...exchange(10, "create", "POST", 500), resourceId: null };
    refused.fault = { ruleId: 1, ruleName: "escrow", did: "answered 500", subject: "ada@x.test", wrote: false };
    d.timeline = [
      {
        exchange: refused,
        before: null,
        after: null,
        mappingBefore: null,
        mappingAfter: null,
        changedFields: [],
        reaction: { kind: "looked-up-then-retried", retriedAfterMs: 2100, honouredRetryAfter: null, sentence: "Entra ID sent a userName lookup before retrying the create (after 2.1 s): it found no user." },
      },
      ...(d.timeline ?? []),
    ];
    getUser.mockResolvedValue(d);
    render(<UserPage id="u1" />);
    const page = await screen.findByTestId("user-page");
    const item = page.querySelector('[data-exchange="10"]')! as HTMLElement;
    expect(within(item).getByText("fault · escrow").getAttribute("title")).toBe('fault rule "escrow"');
    expect(item.textContent).toContain("answered 500");
    expect(item.textContent).toContain("sent a userName lookup before retrying the create");
    // entries without a fault carry no mark
    expect(page.querySelector('[data-exchange="12"] .timeline-fault')).toBeNull();
  });

  it("shows a card per field where the table is narrower than the mapping needs", async () => {
    layOut(600, 600);
    getUser.mockResolvedValue(detail());
    render(<UserPage id="u1" />);
    const cards = await screen.findByTestId("mapping-cards");
    expect(screen.queryByTestId("mapping-table")).toBeNull();
    const items = within(cards).getAllByRole("listitem");
    expect(items.map((li) => li.getAttribute("data-field"))).toEqual(["userName", "displayName", "email", "role"]);
    const role = items[3];
    expect(within(role).getByRole("heading", { level: 4 }).textContent).toBe("role");
    expect(within(role).getByText("urn:ietf:params:scim:schemas:extension:testmail:2.0:User:employeeType")).toBeTruthy();
    expect(within(role).getByText('"Admin"')).toBeTruthy();
    expect(within(role).getByTitle("final value").textContent).toBe("→ Admin");
    expect(within(role).getByText("mapped").className).toContain("good");
    expect(within(role).getByText("Admin arrived in employeeType")).toBeTruthy();
  });

  it("turns the table into cards when it measures wider than its space, and back when there is room", async () => {
    const observers = layOut(800, 950);
    getUser.mockResolvedValue(detail());
    render(<UserPage id="u1" />);
    await screen.findByTestId("mapping-cards");
    // the window grows to hold the table
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockImplementation(function (this: HTMLElement) {
      return this.classList.contains("mapping-wrap") ? 1000 : 0;
    });
    act(() => observers.forEach((cb) => cb()));
    expect(screen.getByTestId("mapping-table")).toBeTruthy();
  });

  it("shows an invalid role as invalid with the role the user gets", async () => {
    const d = detail();
    d.mapping = mapping({ userName: "ada@x.test", roleStatus: "invalid", roleRaw: ["Admin", "Member"] });
    getUser.mockResolvedValue(d);
    render(<UserPage id="u1" />);
    const badge = await screen.findByTestId("user-role");
    expect(badge.textContent).toBe("invalid → Member");
    expect(within(screen.getByTestId("mapping-table")).getByText('["Admin","Member"]')).toBeTruthy();
  });

  it("says a deleted user is gone and links to its traffic", async () => {
    getUser.mockRejectedValue(new ApiError("no user with id 'u9': it may have been deleted", 404));
    render(<UserPage id="u9" />);
    await screen.findByText("This user no longer exists");
    expect(screen.getByRole("link", { name: /see the traffic/ }).getAttribute("href")).toBe("#/traffic?resource=u9");
    expect(screen.getByText("(u9)", { exact: false }).className).toBe("internal-id");
  });

  it("Replay this user opens the Replay dialog on the user's whole timeline (selection.user)", async () => {
    getUser.mockResolvedValue(detail());
    startReplay.mockResolvedValue({ id: "r1", selected: 2 });
    render(<UserPage id="u1" />);
    fireEvent.click(await screen.findByRole("button", { name: "Replay this user" }));
    const dialog = await screen.findByTestId("replay-dialog");
    expect(within(dialog).getByTestId("replay-what").textContent).toContain("every exchange of user ada@x.test");
    fireEvent.change(within(dialog).getByLabelText("Target SCIM base URL"), { target: { value: "https://staging.example.com/scim/v2" } });
    fireEvent.change(within(dialog).getByLabelText("Token"), { target: { value: "t0ken" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Start replay" }));
    await waitFor(() => expect(startReplay).toHaveBeenCalledTimes(1));
    expect(startReplay.mock.calls[0][0]).toEqual({
      target: "https://staging.example.com/scim/v2",
      token: "t0ken",
      selection: { user: "ada@x.test", writesOnly: false },
      dryRun: false,
      rate: 10,
    });
    await screen.findByTestId("replay-progress");
    fireEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("replay-dialog")).toBeNull();
    setReplay(null);
  });
});
