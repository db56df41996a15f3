//! The "who am I" badge: the caller's name (or "admin token") and role, Sign out only for a
//! sign-in session — which ends it through the API and only then goes to the sign-in page, or
//! says why it could not — and nothing at all from an engine older than team sign-in.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api, goTo, host, reloadApp, teamServer } from "../platform";
import { renderWithEngine, settle } from "../views/testHarness";
import { SessionBadge } from "./SessionBadge";

vi.mock("../platform", async () => (await import("../views/testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const go = goTo as unknown as ReturnType<typeof vi.fn>;

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.signOut.mockResolvedValue(undefined);
});

describe("SessionBadge", () => {
  it("shows a personal token's name and role, without Sign out", async () => {
    m.session.mockResolvedValue({ name: "ci-bot", role: "viewer", via: "personalToken", canSignOut: false });
    renderWithEngine(<SessionBadge />);
    const badge = await screen.findByTestId("session-badge");
    expect(badge.textContent).toBe("ci-botviewer");
    expect(badge.getAttribute("title")).toBe("ci-bot, viewer (a personal admin token)");
    expect(within(badge).queryByTestId("sign-out")).toBeNull();
  });

  it("calls this launch's token (no name) the admin token", async () => {
    m.session.mockResolvedValue({ name: null, role: "owner", via: "launchToken", canSignOut: false });
    renderWithEngine(<SessionBadge />);
    expect((await screen.findByTestId("session-badge")).textContent).toBe("admin tokenowner");
    expect(screen.queryByTestId("sign-out")).toBeNull();
  });

  it("signs a sign-in session out through the API, then goes to the sign-in page", async () => {
    m.session.mockResolvedValue({ name: "alice@example.com", role: "operator", via: "signIn", canSignOut: true });
    let finish: () => void = () => {};
    m.signOut.mockImplementation(() => new Promise<void>((resolve) => (finish = resolve)));
    renderWithEngine(<SessionBadge />);
    const badge = await screen.findByTestId("session-badge");
    expect(badge.textContent).toContain("alice@example.com");
    expect(badge.textContent).toContain("operator");
    const button = within(badge).getByTestId("sign-out") as HTMLButtonElement;
    expect(button.textContent).toBe("Sign out");
    fireEvent.click(button);
    expect(m.signOut).toHaveBeenCalledTimes(1);
    // not before the session has ended
    expect(go).not.toHaveBeenCalled();
    expect((screen.getByTestId("sign-out") as HTMLButtonElement).disabled).toBe(true);
    finish();
    await waitFor(() => expect(go).toHaveBeenCalledWith("/"));
  });

  it("in the desktop app signed in to a team server, signs out there and goes back to its own engine", async () => {
    const ts = teamServer as unknown as ReturnType<typeof vi.fn>;
    ts.mockReturnValue("https://team.example.com:8788");
    const disconnect = vi.fn(async () => ({ ok: true, connection: { adminUrl: "http://127.0.0.1:1", token: "t", teamServer: null } }));
    (host as { disconnectTeamServer: unknown }).disconnectTeamServer = disconnect;
    try {
      m.session.mockResolvedValue({ name: "ada@example.com", role: "operator", via: "signIn", canSignOut: true });
      renderWithEngine(<SessionBadge />);
      fireEvent.click(await screen.findByTestId("sign-out"));
      await waitFor(() => expect(reloadApp).toHaveBeenCalledTimes(1));
      expect(m.signOut).toHaveBeenCalledTimes(1);
      expect(disconnect).toHaveBeenCalledTimes(1);
      expect(go).not.toHaveBeenCalled();
    } finally {
      ts.mockReturnValue(null);
      (host as { disconnectTeamServer: unknown }).disconnectTeamServer = null;
    }
  });

  it("says why when signing out fails, and stays", async () => {
    m.session.mockResolvedValue({ name: "alice@example.com", role: "owner", via: "signIn", canSignOut: true });
    m.signOut.mockRejectedValue(Object.assign(new Error("could not end the session (pool timed out); retry in a moment"), { status: 503 }));
    renderWithEngine(<SessionBadge />);
    fireEvent.click(await screen.findByTestId("sign-out"));
    expect((await screen.findByRole("alert")).textContent).toContain("could not end the session (pool timed out); retry in a moment");
    expect(go).not.toHaveBeenCalled();
    expect((screen.getByTestId("sign-out") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows nothing when the engine has no /api/session (404)", async () => {
    m.session.mockRejectedValue(Object.assign(new Error("the engine answered 404 Not Found"), { status: 404 }));
    const { container } = renderWithEngine(<SessionBadge />);
    await waitFor(() => expect(m.session).toHaveBeenCalled());
    await settle();
    expect(screen.queryByTestId("session-badge")).toBeNull();
    expect(container.textContent).toBe("");
    // and no toast: an older engine is not an error
    expect(document.querySelector(".toast")).toBeNull();
  });
});
