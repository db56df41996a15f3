import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { api } from "../platform";
import type { TunnelState } from "../generated";
import { emit, renderWithEngine } from "./testHarness";
import { ConnectView } from "./Connect";
import { publicTenantOf } from "./connect/TunnelCard";

vi.mock("../platform", async () => (await import("./testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const URL1 = "https://fake-words-1234.trycloudflare.com";
const URL2 = "https://other-words-5678.trycloudflare.com";

function tunnel(over: Partial<TunnelState> = {}): TunnelState {
  return { status: "off", provider: null, publicUrl: null, tenantUrl: null, detail: null, startedAt: null, previousUrl: null, ...over };
}
const STARTING = tunnel({ status: "starting", provider: "cloudflared", startedAt: "2026-11-28T17:02:03Z" });
const RUNNING = tunnel({
  status: "running",
  provider: "cloudflared",
  publicUrl: URL1,
  tenantUrl: `${URL1}/scim/v2`,
  startedAt: "2026-11-28T17:02:03Z",
});

let initial: TunnelState = tunnel();

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  initial = tunnel();
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.endpoint.mockImplementation(async () => ({ tenantUrl: "http://127.0.0.1:8799/scim/v2", keyMasked: "…x9Qa", strict: false, tunnel: initial }));
  m.exchanges.mockResolvedValue({ items: [], nextBefore: null });
  m.startTunnel.mockResolvedValue(STARTING);
  m.stopTunnel.mockResolvedValue(tunnel({ previousUrl: URL1 }));
});

const view = () => renderWithEngine(<ConnectView param={null} params={new URLSearchParams()} />);
const card = async (status: TunnelState["status"]) => {
  const el = await screen.findByTestId("tunnel-state");
  await waitFor(() => expect(el.getAttribute("data-status")).toBe(status));
  return el;
};
const steps = () => screen.getByRole("region", { name: "setup steps" });

describe("Make it public", () => {
  it("starts the tunnel, follows tunnel.changed to running and puts the public tenant URL in the steps", async () => {
    view();
    await card("off");
    expect(within(steps()).getByTitle("https://<tunnel-host>/scim/v2")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Make it public" }));
    await waitFor(() => expect(m.startTunnel).toHaveBeenCalledTimes(1));
    await card("starting");
    expect(screen.getByTestId("tunnel-starting").textContent).toContain("port 8799");

    emit({ type: "tunnel.changed", tunnel: RUNNING });
    const running = await card("running");
    expect(within(running).getByTestId("tunnel-public-tenant").textContent).toBe(`${URL1}/scim/v2`);
    expect(within(running).getAllByRole("button", { name: /copy/i }).length).toBeGreaterThanOrEqual(1);
    expect(screen.queryByTestId("tunnel-url-changed")).toBeNull();
    // the IdP steps use the public tenant URL
    expect(within(steps()).getByTitle(`${URL1}/scim/v2`)).toBeTruthy();
  });

  it("stops the tunnel with Stop", async () => {
    initial = RUNNING;
    view();
    const running = await card("running");
    fireEvent.click(within(running).getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(m.stopTunnel).toHaveBeenCalledTimes(1));
    await card("off");
    expect(screen.getByTestId("tunnel-previous").textContent).toContain(`${URL1} was stopped`);
    expect(screen.getByRole("button", { name: "Make it public" })).toBeTruthy();
    expect(within(steps()).queryByTitle(`${URL1}/scim/v2`)).toBeNull();
  });

  it("says loudly that a tunnel stopped, that its URL is dead, and offers Start again", async () => {
    view();
    await card("off");
    emit({
      type: "tunnel.changed",
      tunnel: tunnel({
        status: "stopped",
        provider: "cloudflared",
        previousUrl: URL1,
        detail: "cloudflared exited (code 1): Lost connection with the edge; starting it again gives a new public URL",
      }),
    });
    const stopped = await card("stopped");
    expect(within(stopped).getByRole("alert").textContent).toBe(
      "stopped: cloudflared exited (code 1): Lost connection with the edge; starting it again gives a new public URL",
    );
    expect(within(stopped).getByTestId("tunnel-dead-url").textContent).toContain(`${URL1}/scim/v2 no longer works`);
    expect(within(steps()).queryByTitle(`${URL1}/scim/v2`)).toBeNull();

    fireEvent.click(within(stopped).getByRole("button", { name: "Start again" }));
    await waitFor(() => expect(m.startTunnel).toHaveBeenCalledTimes(1));
    emit({ type: "tunnel.changed", tunnel: { ...RUNNING, publicUrl: URL2, tenantUrl: `${URL2}/scim/v2`, previousUrl: URL1 } });
    await card("running");
    const changed = screen.getByTestId("tunnel-url-changed");
    expect(changed.textContent).toContain("The public URL changed: update the Tenant URL in Entra ID / Okta");
    expect(changed.textContent).toContain(`It was ${URL1}/scim/v2; it is now ${URL2}/scim/v2`);
    expect(within(steps()).getByTitle(`${URL2}/scim/v2`)).toBeTruthy();
  });

  it("says how to install cloudflared or start ngrok when neither is there", async () => {
    m.startTunnel.mockResolvedValue(tunnel({ status: "unavailable", detail: "cloudflared is not installed ('cloudflared' is not on PATH)" }));
    view();
    await card("off");
    fireEvent.click(screen.getByRole("button", { name: "Make it public" }));
    const unavailable = await card("unavailable");
    expect(within(unavailable).getByTestId("tunnel-unavailable").textContent).toContain("Install cloudflared");
    expect(
      within(unavailable).getByText(/^curl -fsSLo cloudflared\.deb https:\/\/github\.com\/cloudflare\/cloudflared\/releases\/.*cloudflared-linux-amd64\.deb && sudo dpkg -i cloudflared\.deb$/),
    ).toBeTruthy();
    expect(within(unavailable).getByText("ngrok http 8799")).toBeTruthy();
    expect(within(unavailable).getByText(/is not on PATH/)).toBeTruthy();
    expect(within(unavailable).getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("shows an ngrok tunnel as external, with its tenant URL and no Stop", async () => {
    initial = tunnel({ status: "external", provider: "ngrok", publicUrl: "https://scim.ngrok-free.app", tenantUrl: "https://scim.ngrok-free.app/scim/v2" });
    view();
    const external = await card("external");
    expect(within(external).getByTestId("tunnel-public-tenant").textContent).toBe("https://scim.ngrok-free.app/scim/v2");
    expect(within(external).getByTestId("tunnel-external").textContent).toContain("ScimLab does not manage it");
    expect(within(external).queryByRole("button", { name: "Stop" })).toBeNull();
    expect(within(steps()).getByTitle("https://scim.ngrok-free.app/scim/v2")).toBeTruthy();
  });

  it("only a running or ngrok tunnel gives a public tenant URL", () => {
    expect(publicTenantOf(null)).toBeNull();
    expect(publicTenantOf(RUNNING)).toBe(`${URL1}/scim/v2`);
    expect(publicTenantOf(STARTING)).toBeNull();
    expect(publicTenantOf(tunnel({ status: "stopped", previousUrl: URL1 }))).toBeNull();
  });
});
