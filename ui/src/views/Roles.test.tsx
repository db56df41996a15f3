//! Tests of the Roles screen: counts as drill-down links, the users behind an invalid-role or Admin count.

import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import type { RoleSummary } from "../generated";
import { samplePage } from "./users/fixtures";
import { filterFromParams, RolesView } from "./Roles";

const roles = vi.fn();
const users = vi.fn();
vi.mock("../platform", async (orig) => ({
  ...(await orig<typeof import("../platform")>()),
  api: { roles: () => roles(), users: (...a: unknown[]) => users(...a) },
}));

const zero = { mapped: 0, defaulted: 0, missing: 0, invalid: 0, ambiguous: 0, misnamed: 0 };
const summary: RoleSummary = {
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

beforeEach(() => {
  roles.mockReset();
  users.mockReset();
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
    expect(users).not.toHaveBeenCalled();
  });

  it("lists the users behind an invalid-role count", async () => {
    roles.mockResolvedValue(summary);
    users.mockResolvedValue(samplePage());
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
    users.mockResolvedValue(samplePage());
    render(<RolesView param={null} params={new URLSearchParams("role=Admin")} />);
    const behind = await screen.findByTestId("roles-behind");
    await waitFor(() => expect(within(behind).getAllByTestId("roles-user").map((li) => li.querySelector("a")!.textContent)).toEqual(["ada@x.test"]));
  });
});
