//! Tests of the Roles screen: bars per role and status in the shared status words, counts as drill-down links, IdP/active counts as Users-list links, the users behind an invalid-role or Admin count.

import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import type { RoleSummaryReply } from "../generated";
import type { UserQuery } from "../platform/api";
import { samplePage, totalOnly } from "./users/fixtures";
import { barPercent, filterFromParams, RolesView } from "./Roles";

const roles = vi.fn();
const users = vi.fn();
vi.mock("../platform", async (orig) => ({
  ...(await orig<typeof import("../platform")>()),
  api: { roles: () => roles(), users: (...a: unknown[]) => users(...a) },
}));

const zero = { mapped: 0, defaulted: 0, missing: 0, invalid: 0, ambiguous: 0, misnamed: 0 };
const summary: RoleSummaryReply = {
  updating: false,
  total: 4,
  byRole: { member: 3, admin: 1 },
  byStatus: { ...zero, mapped: 2, defaulted: 1, invalid: 1 },
  byField: [
    { field: "userName", counts: { ...zero, mapped: 4 } },
    { field: "displayName", counts: { ...zero, mapped: 4 } },
    { field: "email", counts: { ...zero, mapped: 3, missing: 1 } },
    { field: "role", counts: { ...zero, mapped: 2, defaulted: 1, invalid: 1 } },
  ],
};

/** The engine's counts: 1 by Entra ID, 2 by Okta, 1 other; 3 active, 1 inactive. */
function engineUsers(_start: number, count: number, q: UserQuery = {}) {
  if (count > 0) return Promise.resolve(samplePage());
  const n = q.idp === "entra" ? 1 : q.idp === "okta" ? 2 : q.idp === "other" ? 1 : q.active === true ? 3 : q.active === false ? 1 : 4;
  return Promise.resolve(totalOnly(n));
}

beforeEach(() => {
  roles.mockReset();
  users.mockReset();
  users.mockImplementation(engineUsers);
});

describe("filterFromParams", () => {
  it("reads a role or a field status, and rejects anything else", () => {
    expect(filterFromParams(new URLSearchParams("role=Admin"))).toEqual({ kind: "role", role: "Admin" });
    expect(filterFromParams(new URLSearchParams("field=role&status=invalid"))).toEqual({ kind: "status", field: "role", status: "invalid" });
    expect(filterFromParams(new URLSearchParams("role=admin"))).toBeNull();
    expect(filterFromParams(new URLSearchParams("field=phone&status=invalid"))).toBeNull();
    expect(filterFromParams(new URLSearchParams(""))).toBeNull();
  });
});

describe("RolesView", () => {
  it("shows the counts as links to the users behind them, without loading users", async () => {
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams()} />);
    const admin = await screen.findByTestId("count-role-Admin");
    expect(admin.textContent).toBe("1");
    expect(admin.getAttribute("href")).toBe("#/roles?role=Admin");
    expect(screen.getByTestId("count-role-Member").textContent).toBe("3");
    expect(screen.getAllByTestId("count-role-invalid")[0].getAttribute("href")).toBe("#/roles?field=role&status=invalid");
    expect(screen.getByTestId("count-email-missing").textContent).toBe("1");
    // only counts (count=0) are asked of the engine: no user is loaded
    await screen.findByTestId("count-idp-okta");
    expect(users.mock.calls.every((c) => c[1] === 0)).toBe(true);
  });

  it("says when every user is being evaluated again, and not otherwise", async () => {
    roles.mockResolvedValue({ ...summary, updating: true });
    const { unmount } = render(<RolesView param={null} params={new URLSearchParams()} />);
    expect((await screen.findByTestId("roles-updating")).textContent).toContain("previous results");
    unmount();
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams()} />);
    await screen.findByTestId("count-role-Admin");
    expect(screen.queryByTestId("roles-updating")).toBeNull();
  });

  it("draws a bar per role and per status, sized by its share, in the shared status words", async () => {
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams()} />);
    const member = await screen.findByTestId("bar-role-Member");
    expect((member.querySelector(".bar-fill") as HTMLElement).style.width).toBe("75%");
    const defaulted = screen.getByTestId("bar-status-defaulted");
    expect((defaulted.querySelector(".bar-fill") as HTMLElement).style.width).toBe("25%");
    expect(defaulted.textContent).toContain("no role arrived, so Member");
    expect(within(defaulted).getByText("defaulted").getAttribute("title")).toBe("defaulted — no role arrived, so Member");
    expect((screen.getByTestId("bar-status-ambiguous").querySelector(".bar-fill") as HTMLElement).style.width).toBe("0%");
    expect(screen.getByTestId("bar-status-invalid").querySelector(".bar-fill")!.className).toContain("tone-bad");
  });

  it("links the IdP and active counts to the Users list with the same filter", async () => {
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams()} />);
    const okta = await screen.findByTestId("count-idp-okta");
    expect(okta.textContent).toBe("2");
    expect(okta.getAttribute("href")).toBe("#/users?idp=okta");
    expect(screen.getByTestId("count-idp-entra").getAttribute("href")).toBe("#/users?idp=entra");
    expect(screen.getByTestId("count-inactive").getAttribute("href")).toBe("#/users?active=inactive");
    expect(screen.getByTestId("count-active").textContent).toBe("3");
    expect(users).toHaveBeenCalledWith(1, 0, { idp: "okta" });
    expect(users).toHaveBeenCalledWith(1, 0, { active: false });
    expect(screen.getByTestId("roles-total").getAttribute("href")).toBe("#/users");
  });

  it("writes large counts the one way numbers are written", async () => {
    roles.mockResolvedValue({ ...summary, total: 5450, byRole: { member: 5000, admin: 450 } });
    render(<RolesView param={null} params={new URLSearchParams()} />);
    expect((await screen.findByTestId("count-role-Member")).textContent).toBe("5,000");
    expect(screen.getByTestId("roles-total").textContent).toBe("5,450 users");
    expect(barPercent(0, 10)).toBe(0);
    expect(barPercent(1, 100000)).toBe(1);
  });

  it("lists the users behind an invalid-role count", async () => {
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams("field=role&status=invalid")} />);
    const behind = await screen.findByTestId("roles-behind");
    await waitFor(() => expect(within(behind).getAllByTestId("roles-user")).toHaveLength(1));
    const link = within(behind).getByRole("link", { name: "cy@x.test" });
    expect(link.getAttribute("href")).toBe("#/users/u3");
    expect(within(behind).getByText('"Superuser"')).toBeTruthy();
    expect(users).toHaveBeenCalledWith(1, 500);
  });

  it("lists the Admins", async () => {
    roles.mockResolvedValue(summary);
    render(<RolesView param={null} params={new URLSearchParams("role=Admin")} />);
    const behind = await screen.findByTestId("roles-behind");
    await waitFor(() => expect(within(behind).getAllByTestId("roles-user").map((li) => li.querySelector("a")!.textContent)).toEqual(["ada@x.test"]));
  });
});
