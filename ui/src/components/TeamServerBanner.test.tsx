//! The team server banner: shown, with the server's address, only while the desktop app shows
//! a team server instead of this computer's engine.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import { teamServer } from "../platform";
import { TeamServerBanner } from "./TeamServerBanner";

vi.mock("../platform", async () => (await import("../views/testPlatform")).platformMock());

const team = teamServer as unknown as ReturnType<typeof vi.fn>;

beforeEach(() => team.mockReset());

describe("TeamServerBanner", () => {
  it("names the team server and leads to Settings", () => {
    team.mockReturnValue("https://scimlab.example.com:8788");
    render(<TeamServerBanner />);
    const banner = screen.getByTestId("team-server-banner");
    expect(banner.textContent).toMatch(/^Team server https:\/\/scimlab\.example\.com:8788 — shared with your team, not this computer's engine/);
    expect(banner.querySelector("a")?.getAttribute("href")).toBe("#/settings");
  });

  it("is not there on this computer's engine", () => {
    team.mockReturnValue(null);
    const { container } = render(<TeamServerBanner />);
    expect(screen.queryByTestId("team-server-banner")).toBeNull();
    expect(container.innerHTML).toBe("");
  });
});
