//! The sidebar's workspace switcher under the real Engine provider (fake platform): the current
//! workspace's name and tenant URL, the menu by keyboard, switching (the stream reopened on the
//! new workspace, the screens reloaded on its data, the choice remembered), live dots lit by
//! other workspaces' activity and fading, default not deletable, a remembered workspace that no
//! longer exists falling back to default, and create / delete from the menu.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useEffect } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WorkspaceInfo } from "../../generated";
import { api, currentWorkspace, setWorkspace, subscribe, WORKSPACE_KEY } from "../../platform";
import { resolveWorkspace, useEngine } from "../../state/engine";
import { ACTIVITY_MS } from "../../state/workspaces";
import { emit, renderWithEngine } from "../../views/testHarness";
import { info } from "./fixtures";
import { WorkspaceSwitcher } from "./WorkspaceSwitcher";

vi.mock("../../platform", async () => (await import("../../views/testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const DEFAULT = info({ slug: "default", name: "Default", users: 2, exchanges: 14 });
const CONTOSO = info({ slug: "contoso-entra", name: "Contoso Entra", template: "entra-guide", users: 1, groups: 1, exchanges: 3 });
const FABRIKAM = info({ slug: "fabrikam-okta", name: "Fabrikam Okta", template: "okta-guide" });

/** Which workspace each screen load asked (a screen remounts per generation, as App.tsx keys it). */
const loads: string[] = [];
function Loader() {
  useEffect(() => {
    loads.push(currentWorkspace().slug);
  }, []);
  return null;
}
function Screens() {
  const { generation } = useEngine();
  return <Loader key={generation} />;
}

const view = () =>
  renderWithEngine(
    <>
      <WorkspaceSwitcher />
      <Screens />
    </>,
  );
const trigger = () => screen.getByTestId("workspace-switcher");
const menu = () => screen.getByTestId("workspace-menu");
const item = (slug: string) => within(menu()).getAllByTestId("workspace-item").find((el) => el.getAttribute("data-slug") === slug)!;

beforeEach(() => {
  vi.clearAllMocks();
  localStorage.clear();
  setWorkspace({ slug: "default", apiBase: "/api" });
  loads.length = 0;
  m.health = vi.fn(async () => ({ status: "ok" }));
  m.workspaces.mockImplementation(async () => [DEFAULT, CONTOSO, FABRIKAM]);
  m.workspace.mockImplementation(async (slug: string) => {
    const w = [DEFAULT, CONTOSO, FABRIKAM].find((x) => x.slug === slug);
    if (!w) throw Object.assign(new Error(`no workspace '${slug}'`), { status: 404 });
    return w;
  });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("WorkspaceSwitcher", () => {
  it("shows the current workspace's name and tenant URL", async () => {
    setWorkspace({ slug: "contoso-entra", apiBase: CONTOSO.apiBase });
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Contoso Entra"));
    expect(screen.getByTestId("workspace-current-url").textContent).toBe("127.0.0.1:8787/w/contoso-entra/scim/v2");
    expect(trigger().getAttribute("title")).toBe("Contoso Entra: http://127.0.0.1:8787/w/contoso-entra/scim/v2");
  });

  it("opens by keyboard on the current workspace, moves with the arrows, switches with Enter: stream reopened, screens reloaded, choice remembered", async () => {
    const user = userEvent.setup();
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Default"));
    expect(loads).toEqual(["default"]);
    expect(vi.mocked(subscribe)).toHaveBeenCalledTimes(1);

    trigger().focus();
    await user.keyboard("{ArrowDown}");
    await waitFor(() => expect(document.activeElement).toBe(item("default")));
    expect(trigger().getAttribute("aria-expanded")).toBe("true");
    expect(within(menu()).getAllByTestId("workspace-item-url").map((el) => el.textContent)).toEqual([
      "127.0.0.1:8787/scim/v2",
      "127.0.0.1:8787/w/contoso-entra/scim/v2",
      "127.0.0.1:8787/w/fabrikam-okta/scim/v2",
    ]);
    expect(item("default").getAttribute("aria-checked")).toBe("true");
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement).toBe(item("contoso-entra"));
    await user.keyboard("{End}");
    expect(document.activeElement?.getAttribute("data-testid")).toBe("workspace-delete");
    await user.keyboard("{Home}{ArrowDown}{Enter}");

    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Contoso Entra"));
    expect(screen.queryByTestId("workspace-menu")).toBeNull();
    expect(currentWorkspace()).toEqual({ slug: "contoso-entra", apiBase: "/api/workspaces/contoso-entra" });
    expect(localStorage.getItem(WORKSPACE_KEY)).toBe("contoso-entra");
    await waitFor(() => expect(vi.mocked(subscribe)).toHaveBeenCalledTimes(2));
    expect(loads).toEqual(["default", "contoso-entra"]);
    expect(document.activeElement).toBe(trigger());
  });

  it("Escape closes the menu and gives the focus back; choosing the current workspace reloads nothing", async () => {
    const user = userEvent.setup();
    view();
    await waitFor(() => expect(m.workspaces).toHaveBeenCalled());
    await user.click(trigger());
    await waitFor(() => expect(document.activeElement).toBe(item("default")));
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("workspace-menu")).toBeNull();
    expect(document.activeElement).toBe(trigger());

    await user.click(trigger());
    await user.click(item("default"));
    expect(screen.queryByTestId("workspace-menu")).toBeNull();
    expect(loads).toEqual(["default"]);
    expect(vi.mocked(subscribe)).toHaveBeenCalledTimes(1);
  });

  it("lights another workspace's dot when exchanges arrive there, never its own, and fades it", async () => {
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Default"));
    fireEvent.click(trigger());
    await waitFor(() => expect(item("contoso-entra")).toBeTruthy());
    const dot = (slug: string) => within(item(slug)).getByTestId("workspace-dot");
    expect(dot("contoso-entra").getAttribute("data-lit")).toBe("false");

    vi.useFakeTimers();
    emit({ type: "workspace.activity", exchanges: 2, workspace: "contoso-entra" });
    emit({ type: "workspace.activity", exchanges: 1, workspace: "default" });
    expect(dot("contoso-entra").getAttribute("data-lit")).toBe("true");
    expect(dot("contoso-entra").className).toContain("lit");
    expect(dot("default").getAttribute("data-lit")).toBe("false");
    expect(dot("fabrikam-okta").getAttribute("data-lit")).toBe("false");
    expect(screen.getByTestId("workspace-elsewhere")).toBeTruthy();

    act(() => vi.advanceTimersByTime(ACTIVITY_MS - 1000));
    // more activity keeps it lit a full period again
    emit({ type: "workspace.activity", exchanges: 1, workspace: "contoso-entra" });
    act(() => vi.advanceTimersByTime(ACTIVITY_MS - 1000));
    expect(dot("contoso-entra").getAttribute("data-lit")).toBe("true");
    act(() => vi.advanceTimersByTime(1001));
    expect(dot("contoso-entra").getAttribute("data-lit")).toBe("false");
    expect(screen.queryByTestId("workspace-elsewhere")).toBeNull();
  });

  it("reloads the list when workspaces change", async () => {
    view();
    await waitFor(() => expect(m.workspaces).toHaveBeenCalledTimes(1));
    m.workspaces.mockImplementation(async () => [DEFAULT, CONTOSO, FABRIKAM, info({ slug: "acme", name: "Acme" })]);
    emit({ type: "workspaces.changed" });
    fireEvent.click(trigger());
    await waitFor(() => expect(item("acme")).toBeTruthy());
  });

  it("default cannot be deleted: the item is disabled and says to reset instead", async () => {
    view();
    await waitFor(() => expect(m.workspaces).toHaveBeenCalled());
    fireEvent.click(trigger());
    const del = await screen.findByTestId("workspace-delete");
    expect(del.getAttribute("aria-disabled")).toBe("true");
    expect(del.getAttribute("title")).toMatch(/cannot be deleted: reset its data in Settings instead/);
    fireEvent.click(del);
    expect(screen.queryByTestId("workspace-delete-dialog")).toBeNull();
  });

  it("deleting the current workspace through its confirmation goes back to default", async () => {
    setWorkspace({ slug: "contoso-entra", apiBase: CONTOSO.apiBase });
    m.deleteWorkspace = vi.fn(async () => ({ slug: "contoso-entra", name: "Contoso Entra", users: 1, groups: 1, exchanges: 3 }));
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Contoso Entra"));
    fireEvent.click(trigger());
    fireEvent.click(await screen.findByTestId("workspace-delete"));
    const dialog = await screen.findByTestId("workspace-delete-dialog");
    expect(within(dialog).getByTestId("workspace-delete-loss").textContent).toBe(
      "1 user, 1 group, 3 exchanges, its SCIM key and its fault rules are erased for good; the IdP pointed at http://127.0.0.1:8787/w/contoso-entra/scim/v2 will get 401.",
    );
    fireEvent.change(within(dialog).getByLabelText(/to confirm/), { target: { value: "Contoso Entra" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete for good" }));
    await waitFor(() => expect(m.deleteWorkspace).toHaveBeenCalledWith("contoso-entra"));
    await waitFor(() => expect(currentWorkspace().slug).toBe("default"));
    expect(screen.queryByTestId("workspace-delete-dialog")).toBeNull();
    expect(localStorage.getItem(WORKSPACE_KEY)).toBeNull();
  });

  it("a workspace created from the menu is switched to at once, before the list names it", async () => {
    const ACME = info({ slug: "acme", name: "Acme" });
    m.createWorkspace = vi.fn(async () => ACME);
    view();
    await waitFor(() => expect(m.workspaces).toHaveBeenCalled());
    fireEvent.click(trigger());
    fireEvent.click(await screen.findByTestId("workspace-create"));
    const dialog = await screen.findByTestId("workspace-create-dialog");
    // the list still lacks it for a moment: that must not send the UI back to default
    let answer!: (w: WorkspaceInfo[]) => void;
    m.workspaces.mockImplementation(() => new Promise((r) => (answer = r)));
    fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "Acme" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create and switch" }));
    await waitFor(() => expect(currentWorkspace().slug).toBe("acme"));
    expect(window.location.hash).toBe("#/connect");
    await act(async () => answer([DEFAULT, CONTOSO, FABRIKAM, ACME]));
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Acme"));
    expect(currentWorkspace().slug).toBe("acme");
  });

  it("a workspace deleted elsewhere while in use sends the UI back to default", async () => {
    setWorkspace({ slug: "contoso-entra", apiBase: CONTOSO.apiBase });
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Contoso Entra"));
    m.workspaces.mockImplementation(async () => [DEFAULT, FABRIKAM]);
    emit({ type: "workspaces.changed" });
    await waitFor(() => expect(currentWorkspace().slug).toBe("default"));
    expect(await screen.findByText(/no longer exists: back to Default/)).toBeTruthy();
  });
});

describe("the remembered workspace at start", () => {
  it("one that no longer exists falls back to default before any screen loads", async () => {
    setWorkspace({ slug: "gone", apiBase: "/api/workspaces/gone" });
    view();
    await waitFor(() => expect(screen.getByTestId("workspace-current-name").textContent).toBe("Default"));
    expect(loads, "the screens loaded default only").toEqual(["default"]);
    expect(m.workspace, "the engine was asked").toHaveBeenCalledWith("gone");
    expect(localStorage.getItem(WORKSPACE_KEY), "the stale choice is forgotten").toBeNull();
  });

  it("one that exists is kept; when the engine cannot say, the remembered one stays", async () => {
    setWorkspace({ slug: "fabrikam-okta", apiBase: FABRIKAM.apiBase });
    await expect(resolveWorkspace()).resolves.toEqual({ slug: "fabrikam-okta", apiBase: "/api/workspaces/fabrikam-okta" });
    m.workspace.mockRejectedValueOnce(Object.assign(new Error("cannot reach"), { status: 0 }));
    await expect(resolveWorkspace()).resolves.toEqual({ slug: "fabrikam-okta", apiBase: "/api/workspaces/fabrikam-okta" });
    m.workspace.mockRejectedValueOnce(Object.assign(new Error("no workspace"), { status: 404 }));
    await expect(resolveWorkspace()).resolves.toEqual({ slug: "default", apiBase: "/api" });
  });
});
