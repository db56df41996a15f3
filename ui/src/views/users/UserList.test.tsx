//! Tests of the Users list: a row with an invalid role, search + keyboard opening, the empty state with its simulate button, paging by 500.

import { describe, expect, it, vi, beforeEach } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { samplePage } from "./fixtures";
import { rowsOf } from "./model";
import { UserList, UserRowView } from "./UserList";

const users = vi.fn();
const startSimulation = vi.fn();
vi.mock("../../platform", async (orig) => ({
  ...(await orig<typeof import("../../platform")>()),
  api: { users: (...a: unknown[]) => users(...a), startSimulation: (...a: unknown[]) => startSimulation(...a) },
}));

beforeEach(() => {
  users.mockReset();
  window.location.hash = "#/users";
});

describe("UserRowView", () => {
  it("shows an invalid role as invalid with the role the user gets, and the mapping problem", () => {
    const row = rowsOf(samplePage())[2];
    render(
      <table>
        <tbody>
          <UserRowView row={row} selected={false} />
        </tbody>
      </table>,
    );
    const tr = screen.getByTestId("user-row");
    expect(tr.getAttribute("data-id")).toBe("u3");
    const badge = within(tr).getByTitle(/the role that arrived is invalid/);
    expect(badge.textContent).toBe("invalid → Member");
    expect(badge.className).toContain("bad");
    expect(within(tr).getByText("1 invalid").className).toContain("bad");
    expect(within(tr).getByText("inactive")).toBeTruthy();
    expect(within(tr).getByRole("link", { name: "cy@x.test" }).getAttribute("href")).toBe("#/users/u3");
  });

  it("shows Admin and all mapped for a clean admin", () => {
    const row = rowsOf(samplePage())[0];
    render(
      <table>
        <tbody>
          <UserRowView row={row} selected />
        </tbody>
      </table>,
    );
    const tr = screen.getByTestId("user-row");
    expect(within(tr).getByText("Admin").className).toContain("role-admin");
    expect(within(tr).getByText("all mapped")).toBeTruthy();
    expect(tr.getAttribute("aria-selected")).toBe("true");
  });
});

describe("UserList", () => {
  it("lists users, filters by search and opens the selected one with the keyboard", async () => {
    users.mockResolvedValue(samplePage());
    render(<UserList />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    expect(users).toHaveBeenCalledWith(1, 500);

    const search = screen.getByLabelText("search users");
    fireEvent.change(search, { target: { value: "x.test" } });
    fireEvent.keyDown(search, { key: "ArrowDown" });
    fireEvent.keyDown(search, { key: "ArrowDown" });
    fireEvent.keyDown(search, { key: "ArrowUp" });
    fireEvent.keyDown(search, { key: "Enter" });
    expect(window.location.hash).toBe("#/users/u2");

    fireEvent.change(search, { target: { value: "superuser-nobody" } });
    expect(screen.queryAllByTestId("user-row")).toHaveLength(0);
    fireEvent.change(search, { target: { value: "ADMIN" } });
    expect(screen.getAllByTestId("user-row").map((r) => r.getAttribute("data-id"))).toEqual(["u1"]);
  });

  it("explains what to do when there are no users", async () => {
    users.mockResolvedValue({ totalResults: 0, startIndex: 1, itemsPerPage: 0, resources: [], mappings: [] });
    render(<UserList />);
    await screen.findByText("No users yet");
    expect(screen.getByRole("link", { name: "Connect" }).getAttribute("href")).toBe("#/connect");
    startSimulation.mockResolvedValue({ id: "run-1" });
    fireEvent.click(screen.getByRole("button", { name: "Simulate Okta" }));
    await waitFor(() => expect(startSimulation).toHaveBeenCalledWith({ scenario: "okta", users: 10 }));
  });

  it("loads the next page of 500 on demand", async () => {
    const first = samplePage();
    users.mockResolvedValueOnce({ ...first, totalResults: 900, resources: Array(500).fill(0).map((_, i) => ({ ...first.resources[0], id: `p${i}` })), mappings: Array(500).fill(first.mappings![0]) });
    render(<UserList />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(500));
    users.mockResolvedValueOnce({ ...first, totalResults: 900, resources: Array(500).fill(0).map((_, i) => ({ ...first.resources[0], id: `p${i}` })), mappings: Array(500).fill(first.mappings![0]) });
    users.mockResolvedValueOnce({ ...first, totalResults: 900, startIndex: 501, resources: Array(400).fill(0).map((_, i) => ({ ...first.resources[1], id: `q${i}` })), mappings: Array(400).fill(first.mappings![1]) });
    fireEvent.click(screen.getByRole("button", { name: "load next 400" }));
    await waitFor(() => expect(users).toHaveBeenCalledWith(501, 500));
    await screen.findByText("show 400 more of 900");
  });
});
