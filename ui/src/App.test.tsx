//! The frame around the screens: the "who am I" badge sits under the brand in the sidebar, and
//! the team server banner tops the content only while the desktop app shows a team server.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { api, teamServer } from "./platform";
import { App } from "./App";

vi.mock("./platform", async () => (await import("./views/testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const team = teamServer as unknown as ReturnType<typeof vi.fn>;

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  window.location.hash = "#/connect";
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.endpoint.mockResolvedValue({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false });
  m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
  m.session.mockResolvedValue({ name: "otto", role: "operator", via: "personalToken", canSignOut: false });
  team.mockReturnValue(null);
});

describe("the frame", () => {
  it("shows who is calling under the brand, and no team server banner on this computer's engine", async () => {
    render(<App />);
    const badge = await screen.findByTestId("session-badge");
    const sidebar = screen.getByRole("navigation", { name: "screens" });
    expect(sidebar.contains(badge)).toBe(true);
    expect(badge.previousElementSibling?.className).toBe("brand");
    expect(within(badge).getByText("otto")).toBeTruthy();
    expect(screen.queryByTestId("team-server-banner")).toBeNull();
  });

  it("tops the content with the team server's address while connected to one", async () => {
    team.mockReturnValue("https://scimlab.example.com:8788");
    render(<App />);
    const banner = await screen.findByTestId("team-server-banner");
    expect(banner.textContent).toContain("Team server https://scimlab.example.com:8788");
    const content = document.querySelector("main.content")!;
    expect(content.firstElementChild).toBe(banner);
  });
});
