//! The Roles screen under live reloads: an older answer never overwrites a newer one.

import { act, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RoleSummaryReply } from "../generated";
import { api } from "../platform";
import { emit, renderWithEngine } from "./testHarness";
import { RolesView } from "./Roles";

vi.mock("../platform", async () => {
  const p = (await import("./testPlatform")).platformMock();
  return { ...p, api: { ...p.api, roles: vi.fn(), users: vi.fn() } };
});

const roles = (api as unknown as { roles: ReturnType<typeof vi.fn> }).roles;
const users = (api as unknown as { users: ReturnType<typeof vi.fn> }).users;
const zero = { mapped: 0, defaulted: 0, missing: 0, invalid: 0, ambiguous: 0, misnamed: 0 };
const summary = (total: number): RoleSummaryReply => ({
  updating: false,
  total,
  byRole: { member: total, admin: 0 },
  byStatus: { ...zero, defaulted: total },
  byField: [],
});

beforeEach(() => {
  roles.mockReset();
  users.mockReset();
  users.mockResolvedValue({ totalResults: 0, startIndex: 1, itemsPerPage: 0, resources: [] });
});

describe("RolesView live reload", () => {
  it("shows the newest counts when an older load finishes last", async () => {
    let first: (s: RoleSummaryReply) => void = () => {};
    roles.mockImplementationOnce(() => new Promise((r) => (first = r)));
    roles.mockResolvedValueOnce(summary(7));
    renderWithEngine(<RolesView param={null} params={new URLSearchParams()} />);
    await waitFor(() => expect(roles).toHaveBeenCalledTimes(1));
    emit({ type: "mapping.changed", profileId: "okta" });
    await screen.findByText("7 users");
    await act(async () => first(summary(3)));
    expect(screen.getByText("7 users")).toBeTruthy();
  });
});
