//! The user page under live reloads: overlapping loads never let an older answer overwrite a newer one.

import { act, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ResourceDetail } from "../../generated";
import { api } from "../../platform";
import { emit, renderWithEngine } from "../testHarness";
import { mapping, user } from "./fixtures";
import { UserPage } from "./UserPage";

vi.mock("../../platform", async () => {
  const p = (await import("../testPlatform")).platformMock();
  return { ...p, api: { ...p.api, user: vi.fn() } };
});

const getUser = (api as unknown as { user: ReturnType<typeof vi.fn> }).user;

function detail(role: "Member" | "Admin"): ResourceDetail {
  return {
    resource: user("u1", "ada@x.test"),
    exchanges: [],
    exchangesNextBefore: null,
    mapping: mapping({ userName: "ada@x.test", role, roleStatus: "mapped" }),
    roleHistory: [],
    timeline: [],
  };
}

beforeEach(() => getUser.mockReset());

describe("UserPage live reload", () => {
  it("shows the newest answer when an older load finishes last", async () => {
    let first: (d: ResourceDetail) => void = () => {};
    getUser.mockImplementationOnce(() => new Promise((r) => (first = r)));
    getUser.mockResolvedValueOnce(detail("Admin"));
    renderWithEngine(<UserPage id="u1" />);
    await waitFor(() => expect(getUser).toHaveBeenCalledTimes(1));
    emit({ type: "resource.changed", changes: [{ resourceType: "User", id: "u1", name: "ada@x.test", deleted: false, exchangeId: 3 }] });
    await waitFor(() => expect(getUser).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(screen.getByTestId("user-role").textContent).toBe("Admin"));
    await act(async () => first(detail("Member")));
    expect(screen.getByTestId("user-role").textContent).toBe("Admin");
  });
});
