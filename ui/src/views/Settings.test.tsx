//! Tests of the Settings screen: the profile editor's list operations, strict toggle and retention through the API, desktop restart, profile duplicate/save error, paths checked as typed with suggestions from stored users, choosing a profile after a confirmation with Undo, reset, and the desktop's team server (checked from the webview, then connected through the host; disconnected the same way).

import { afterEach, describe, expect, it, vi, beforeEach } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { EngineSettings, MappingProfile, ProfileList } from "../generated";
import { ApiError, setConnection } from "../platform/http";
import { SettingsView } from "./Settings";
import { addSource, badSourceOf, cleaned, duplicate, moveSource, removeSource, setSource, slugify, sourcesOf } from "./settings/profileEditing";
import { validAddr } from "./settings/listenAddress";
import { distinctPaths, suggestionsFor } from "./settings/usePathChecks";
import { usersWords } from "./settings/ProfileSwitch";

const api = vi.hoisted(() => ({
  settings: vi.fn(),
  updateSettings: vi.fn(),
  profiles: vi.fn(),
  chooseProfile: vi.fn(),
  saveProfile: vi.fn(),
  deleteProfile: vi.fn(),
  reset: vi.fn(),
  users: vi.fn(),
  checkPaths: vi.fn(),
  seenAttributes: vi.fn(),
  adminUsers: vi.fn(),
  audit: vi.fn(),
}));
const team = vi.hoisted(() => ({ connect: vi.fn(), disconnect: vi.fn(), signIn: vi.fn() }));
const host = vi.hoisted(() => ({
  kind: "browser" as "browser" | "desktop",
  restartEngine: vi.fn(),
  settingsFile: vi.fn(),
  saveFile: vi.fn(),
  connection: vi.fn(),
  connectTeamServer: null as null | ((url: string, token: string) => Promise<unknown>),
  disconnectTeamServer: null as null | (() => Promise<unknown>),
  signInInBrowser: null as null | ((server: string, challenge: string, state: string) => Promise<unknown>),
}));
const reloadApp = vi.hoisted(() => vi.fn());
vi.mock("../platform", async (orig) => ({ ...(await orig<typeof import("../platform")>()), api, host, reloadApp }));

const entra: MappingProfile = {
  id: "entra",
  name: "Entra ID",
  builtin: true,
  fields: [
    { field: "userName", sources: ["userName"] },
    { field: "email", sources: ['emails[type eq "work"].value', "emails[primary].value"] },
    { field: "role", sources: ["*:employeeType", "roles[primary eq true].value", "roles[0].value"] },
  ],
};
const profiles: ProfileList = { active: "auto", profiles: [entra, { id: "auto", name: "Auto", builtin: true, fields: [] }] };
const settings: EngineSettings = { strict: false, retention: 100000, scimAddr: "127.0.0.1:8787", adminAddr: "127.0.0.1:8788", bodyLimit: 1048576, captureBodyCap: 65536, dbPath: "/tmp/scimlab.db" };

beforeEach(() => {
  Object.values(api).forEach((f) => f.mockReset());
  host.kind = "browser";
  host.connectTeamServer = null;
  host.disconnectTeamServer = null;
  host.signInInBrowser = null;
  team.connect.mockReset();
  team.disconnect.mockReset();
  team.signIn.mockReset();
  reloadApp.mockReset();
  host.restartEngine.mockReset();
  host.settingsFile.mockReset();
  api.settings.mockResolvedValue(settings);
  api.profiles.mockResolvedValue(profiles);
  api.adminUsers.mockResolvedValue([]);
  api.audit.mockResolvedValue({ items: [], nextBefore: null });
  api.users.mockResolvedValue({ totalResults: 5000, startIndex: 1, itemsPerPage: 0, resources: [] });
  api.checkPaths.mockImplementation(async (sources: string[]) =>
    sources.map((path) => ({ path, error: path.includes("[") && !path.includes("]") ? `the source path '${path}' is not valid: expected ']'` : null })),
  );
  api.seenAttributes.mockResolvedValue({
    users: 3,
    paths: [
      { path: "userName", users: 3 },
      { path: 'emails[type eq "work"].value', users: 2 },
      { path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType", users: 1200 },
    ],
  });
});

/** Open the editor on a copy of the Entra ID profile. */
async function editCopy() {
  fireEvent.click(await screen.findByTestId("profile-entra"));
  fireEvent.click(screen.getByRole("button", { name: "Duplicate to edit" }));
  fireEvent.click(within(screen.getByTestId("dup-form")).getByRole("button", { name: "Continue to edit" }));
  return screen.getByTestId("profile-editor");
}

describe("profile list operations", () => {
  it("adds, trims and ignores blank paths", () => {
    const p = addSource(entra, "role", "  userType ");
    expect(sourcesOf(p, "role")).toEqual(["*:employeeType", "roles[primary eq true].value", "roles[0].value", "userType"]);
    expect(addSource(entra, "role", "   ")).toBe(entra);
    expect(sourcesOf(entra, "role")).toHaveLength(3); // not mutated
  });
  it("adds a rule for a field that had none, in target-model order", () => {
    const p = addSource(entra, "displayName", "displayName");
    expect(p.fields.map((f) => f.field)).toEqual(["userName", "displayName", "email", "role"]);
    expect(sourcesOf(p, "displayName")).toEqual(["displayName"]);
  });
  it("removes by index", () => {
    expect(sourcesOf(removeSource(entra, "role", 1), "role")).toEqual(["*:employeeType", "roles[0].value"]);
    expect(removeSource(entra, "role", 7)).toBe(entra);
  });
  it("reorders up and down, and refuses to move past the ends", () => {
    expect(sourcesOf(moveSource(entra, "role", 2, -1), "role")).toEqual(["*:employeeType", "roles[0].value", "roles[primary eq true].value"]);
    expect(sourcesOf(moveSource(entra, "role", 0, 1), "role")).toEqual(["roles[primary eq true].value", "*:employeeType", "roles[0].value"]);
    expect(moveSource(entra, "role", 0, -1)).toBe(entra);
    expect(moveSource(entra, "role", 2, 1)).toBe(entra);
  });
  it("edits in place; cleaned() trims and drops blanks", () => {
    const p = setSource(entra, "userName", 0, "  ");
    expect(sourcesOf(cleaned(p), "userName")).toEqual([]);
    expect(sourcesOf(cleaned(setSource(entra, "userName", 0, " externalId ")), "userName")).toEqual(["externalId"]);
  });
  it("duplicates a built-in as a saved profile with every field", () => {
    const d = duplicate(entra, "my-entra", "My Entra");
    expect(d).toMatchObject({ id: "my-entra", name: "My Entra", builtin: false });
    expect(d.fields.map((f) => f.field)).toEqual(["userName", "displayName", "email", "role"]);
    d.fields[0].sources.push("x");
    expect(sourcesOf(entra, "userName")).toEqual(["userName"]); // deep copy
  });
  it("finds the source a save error names", () => {
    expect(badSourceOf("the role rule of profile 'x', source 5: the source path 'roles[' is not valid")).toEqual({ field: "role", index: 4 });
    expect(badSourceOf("internal error")).toBeNull();
    expect(badSourceOf(null)).toBeNull();
  });
  it("slugifies names and checks addresses", () => {
    expect(slugify("  My Entra (copy)! ")).toBe("my-entra-copy");
    expect(validAddr("127.0.0.1:8787")).toBe(true);
    expect(validAddr("0.0.0.0:8787")).toBe(true);
    expect(validAddr("[::1]:8787")).toBe(true);
    expect(validAddr("127.0.0.1")).toBe(false);
    expect(validAddr("127.0.0.1:70000")).toBe(false);
  });
});

describe("SettingsView", () => {
  it("turns strict mode on through the API", async () => {
    api.updateSettings.mockResolvedValue({ ...settings, strict: true });
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const toggle = (await screen.findByLabelText("strict RFC mode")) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(api.updateSettings).toHaveBeenCalledWith({ strict: true }));
    await waitFor(() => expect((screen.getByLabelText("strict RFC mode") as HTMLInputElement).checked).toBe(true));
    expect(screen.getByLabelText("strict RFC mode").closest("label")!.textContent).toBe("Strict");
  });

  it("applies retention within range only", async () => {
    api.updateSettings.mockResolvedValue({ ...settings, retention: 5000 });
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const input = await screen.findByLabelText("exchanges kept");
    fireEvent.change(input, { target: { value: "0" } });
    expect(screen.getByText(/use a whole number/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Apply" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: "5000" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(api.updateSettings).toHaveBeenCalledWith({ retention: 5000 }));
  });

  it("shows the addresses read-only in the browser with the serve flag", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    await screen.findByText("127.0.0.1:8787");
    expect(screen.getByText("/tmp/scimlab.db")).toBeTruthy();
    expect(screen.queryByLabelText("SCIM address")).toBeNull();
    expect(screen.getByText(/scimlab serve --scim-addr/)).toBeTruthy();
  });

  it("on desktop restarts the engine on a new SCIM address, keeping strict and retention", async () => {
    host.kind = "desktop";
    host.settingsFile.mockResolvedValue("/home/me/.config/scimlab/settings.json");
    host.restartEngine.mockResolvedValue({ ok: true, connection: { adminUrl: "http://127.0.0.1:9999", token: "t" } });
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const input = await screen.findByLabelText("SCIM address");
    await screen.findByText("/home/me/.config/scimlab/settings.json");
    const apply = screen.getByRole("button", { name: "Apply and restart engine" }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true); // unchanged
    fireEvent.change(input, { target: { value: "0.0.0.0:9000" } });
    fireEvent.click(apply);
    await waitFor(() => expect(host.restartEngine).toHaveBeenCalledWith({ scimAddr: "0.0.0.0:9000", strict: false, retention: 100000 }));
  });

  it("duplicates a built-in, edits a source and shows the server's error inline", async () => {
    api.checkPaths.mockImplementation(async (sources: string[]) => sources.map((path) => ({ path, error: null })));
    api.saveProfile.mockRejectedValueOnce(new ApiError("the role rule of profile 'contoso-roles', source 1: the source path 'roles[' is not valid: expected ']' at 6", 400));
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    fireEvent.click(await screen.findByTestId("profile-entra"));
    fireEvent.click(screen.getByRole("button", { name: "Duplicate to edit" }));
    const form = screen.getByTestId("dup-form");
    fireEvent.change(within(form).getByLabelText("new profile name"), { target: { value: "Contoso roles" } });
    expect((within(form).getByLabelText("new profile id") as HTMLInputElement).value).toBe("contoso-roles");
    fireEvent.click(within(form).getByRole("button", { name: "Continue to edit" }));

    const editor = screen.getByTestId("profile-editor");
    fireEvent.click(within(editor).getByRole("button", { name: "move role source 2 up" }));
    fireEvent.change(within(editor).getByLabelText("role source 1"), { target: { value: "roles[" } });
    fireEvent.click(within(editor).getByRole("button", { name: "Save profile" }));
    await waitFor(() => expect(api.saveProfile).toHaveBeenCalledTimes(1));
    const sent = api.saveProfile.mock.calls[0][0] as MappingProfile;
    expect(sent.id).toBe("contoso-roles");
    expect(sent.builtin).toBe(false);
    expect(sourcesOf(sent, "role")).toEqual(["roles[", "*:employeeType", "roles[0].value"]);
    expect((await within(editor).findByRole("alert")).textContent).toContain("expected ']' at 6");
    expect(within(editor).getByLabelText("role source 1").getAttribute("aria-invalid")).toBe("true");
    expect(within(editor).getByLabelText("role source 2").getAttribute("aria-invalid")).toBe("false");
  });

  it("flags a bad path under its input as it is typed, and keeps save disabled until it parses", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const editor = await editCopy();
    const save = within(editor).getByRole("button", { name: "Save profile" }) as HTMLButtonElement;
    // the profile's own paths are checked once on opening
    await waitFor(() => expect(api.checkPaths).toHaveBeenCalledTimes(1));
    expect(api.checkPaths.mock.calls[0][0]).toContain("roles[primary eq true].value");
    fireEvent.change(within(editor).getByLabelText("role source 1"), { target: { value: "roles[primary eq true" } });
    const error = await within(editor).findByTestId("path-error-role-0");
    expect(error.textContent).toBe("the source path 'roles[primary eq true' is not valid: expected ']'");
    const input = within(editor).getByLabelText("role source 1");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("path-error-role-0");
    expect(save.disabled).toBe(true);
    expect(api.checkPaths).toHaveBeenCalledWith(["roles[primary eq true"]); // only the new path is asked about
    fireEvent.change(input, { target: { value: "roles[primary eq true].value" } });
    await waitFor(() => expect(within(editor).queryByTestId("path-error-role-0")).toBeNull());
    expect(save.disabled).toBe(false);
    // a path checked before shows its error at once
    fireEvent.change(input, { target: { value: "roles[primary eq true" } });
    expect(within(editor).getByTestId("path-error-role-0")).toBeTruthy();
    expect(save.disabled).toBe(true);
  });

  it("checks a path being added and will not add it while it does not parse", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const editor = await editCopy();
    fireEvent.change(within(editor).getByLabelText("new email source"), { target: { value: "emails[" } });
    await within(editor).findByTestId("path-error-email-new");
    expect((within(editor).getByRole("button", { name: "add email source" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("suggests the paths stored users carry, with how many carry each", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const editor = await editCopy();
    await waitFor(() => expect(editor.querySelectorAll("datalist option")).toHaveLength(3));
    expect(editor.querySelector("datalist option")!.getAttribute("label")).toBe("3 users");
    const add = within(editor).getByLabelText("new role source");
    expect(add.getAttribute("list")).toBe(editor.querySelector("datalist")!.id);
    fireEvent.focus(add);
    fireEvent.change(add, { target: { value: "employee" } });
    const list = await within(editor).findByTestId("suggestions-role");
    const item = within(list).getByRole("button", { name: /employeeType/ });
    expect(item.textContent).toContain("1,200 users");
    fireEvent.click(item);
    expect((add as HTMLInputElement).value).toBe("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType");
    fireEvent.click(within(editor).getByRole("button", { name: "add role source" }));
    expect((within(editor).getByLabelText("role source 4") as HTMLInputElement).value).toBe("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType");
  });

  it("asks before choosing another profile, saying how many users are re-evaluated, then undoes it", async () => {
    api.chooseProfile.mockImplementation(async (id: string) => ({ ...profiles, active: id }));
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    fireEvent.click(await screen.findByTestId("profile-entra"));
    fireEvent.click(screen.getByRole("button", { name: "Use this profile" }));
    const dialog = screen.getByRole("dialog");
    expect(dialog.getAttribute("aria-label")).toBe("Use the Entra ID profile?");
    await waitFor(() => expect(within(dialog).getByTestId("switch-count").textContent).toBe("5,000 users are re-evaluated with Entra ID in place of Auto."));
    expect(api.users).toHaveBeenCalledWith(1, 0);
    expect(api.chooseProfile).not.toHaveBeenCalled();

    // cancelling changes nothing
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(api.chooseProfile).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Use this profile" }));
    await within(screen.getByRole("dialog")).findByText("5,000 users");
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Use Entra ID" }));
    await waitFor(() => expect(api.chooseProfile).toHaveBeenCalledWith("entra"));
    await waitFor(() => expect(within(screen.getByTestId("profile-entra")).getByText("in force")).toBeTruthy());
    const undo = screen.getByTestId("profile-undo");
    expect(undo.textContent).toContain("Entra ID is in force: 5,000 users re-evaluated.");

    fireEvent.click(within(undo).getByRole("button", { name: /Undo/ }));
    await waitFor(() => expect(api.chooseProfile).toHaveBeenLastCalledWith("auto"));
    await waitFor(() => expect(within(screen.getByTestId("profile-auto")).getByText("in force")).toBeTruthy());
    expect(screen.queryByTestId("profile-undo")).toBeNull();
  });

  it("resets data only after confirming", async () => {
    api.reset.mockResolvedValue({ deleted: { users: 3, groups: 1, exchanges: 40 } });
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    fireEvent.click(await screen.findByRole("button", { name: "Reset data…" }));
    expect(api.reset).not.toHaveBeenCalled();
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("keeps the SCIM key and mapping profiles");
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete everything" }));
    await waitFor(() => expect(api.reset).toHaveBeenCalledTimes(1));
  });
});

describe("path checks and switch words", () => {
  it("asks about each distinct non-blank path once, and suggests unused seen paths matching what is typed", () => {
    expect(distinctPaths([" userName ", "userName", "", "  ", "emails[0].value"])).toEqual(["userName", "emails[0].value"]);
    const seen = [
      { path: "userName", users: 5 },
      { path: "emails[0].value", users: 4 },
      { path: "name.givenName", users: 3 },
    ];
    expect(suggestionsFor(seen, "", ["userName"]).map((s) => s.path)).toEqual(["emails[0].value", "name.givenName"]);
    expect(suggestionsFor(seen, "NAME", []).map((s) => s.path)).toEqual(["userName", "name.givenName"]);
    expect(suggestionsFor(seen, "", [], 1)).toHaveLength(1);
    expect(usersWords(5000)).toBe("5,000 users");
    expect(usersWords(1)).toBe("1 user");
    expect(usersWords(null)).toBe("every user");
  });
});

describe("profile list keyboard", () => {
  it("opens a profile with Enter from the keyboard", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const item = await screen.findByTestId("profile-entra");
    expect(item.tabIndex).toBe(0);
    fireEvent.keyDown(item, { key: "Enter" });
    await screen.findByRole("heading", { level: 4, name: "Entra ID" });
  });
});

describe("the access section (owners)", () => {
  const entry = (id: number, over: Partial<{ actor: string; role: string; method: string; path: string; workspace: string; status: number }> = {}) => ({
    id,
    at: "2026-12-07T19:20:11.503Z",
    actor: "otto",
    role: "operator",
    method: "DELETE",
    path: "/api/workspaces/acme/data",
    workspace: "acme",
    status: 200,
    client: "10.0.0.7",
    ...over,
  });

  it("lists who holds a token and the audit log, newest first, with older pages on demand", async () => {
    api.adminUsers.mockResolvedValue([
      { name: "ci-bot", role: "viewer", created: "2026-12-07T10:00:00.000Z", revoked: "2026-12-07T11:00:00.000Z" },
      { name: "otto", role: "operator", created: "2026-12-07T10:05:00.000Z", revoked: null },
    ]);
    api.audit.mockImplementation(async (before?: number | null) =>
      before == null
        ? { items: [entry(9), entry(8, { actor: "vera", role: "viewer", status: 403 })], nextBefore: 8 }
        : { items: [entry(3, { actor: "admin token", role: "owner", method: "POST", path: "/api/workspaces", workspace: "default", status: 201 })], nextBefore: null },
    );
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const users = await screen.findByTestId("admin-users");
    const rows = within(users).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/^ci-botviewer.*revoked /),
      expect.stringMatching(/^ottooperator.*active$/),
    ]);
    const log = screen.getByTestId("audit-log");
    let entries = within(log).getAllByTestId("audit-entry");
    expect(entries).toHaveLength(2);
    expect(entries[0].textContent).toContain("otto (operator)");
    expect(entries[0].textContent).toContain("DELETE /api/workspaces/acme/data");
    expect(entries[0].textContent).toContain("10.0.0.7");
    expect(entries[1].className).toBe("refused");
    fireEvent.click(screen.getByRole("button", { name: "Older entries" }));
    await waitFor(() => expect(within(screen.getByTestId("audit-log")).getAllByTestId("audit-entry")).toHaveLength(3));
    entries = within(screen.getByTestId("audit-log")).getAllByTestId("audit-entry");
    expect(entries[2].textContent).toContain("admin token (owner)");
    expect(api.audit).toHaveBeenLastCalledWith(8);
    expect(screen.queryByRole("button", { name: "Older entries" })).toBeNull();
  });

  it("says how to add a token when there is none, and that only owners see it when refused", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    expect((await screen.findByTestId("admin-users-empty")).textContent).toContain("scimlab admin-user add NAME --role viewer|operator|owner");
    expect(screen.getByTestId("audit-empty")).toBeTruthy();
  });

  it("tells a caller below owner that only owners see it", async () => {
    api.adminUsers.mockRejectedValue(new ApiError("GET /api/admin-users needs the owner role", 403));
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    await waitFor(() => expect(screen.getByTestId("access").textContent).toContain("Only owners see who has admin access"));
    expect(screen.queryByTestId("audit-log")).toBeNull();
  });
});

describe("the team server section (desktop)", () => {
  const ADDRESS = "https://scimlab.example.com:8788";
  const OTTO = { name: "otto", role: "viewer", via: "personalToken", canSignOut: false };
  const connected = { ok: true, connection: { adminUrl: ADDRESS, token: "slp_abc", teamServer: ADDRESS } };
  const local = { ok: true, connection: { adminUrl: "http://127.0.0.1:8788", token: "t", teamServer: null } };

  /** The desktop host, with the shell's team server commands. */
  function desktop() {
    host.kind = "desktop";
    host.settingsFile.mockResolvedValue(null);
    host.connectTeamServer = team.connect;
    host.disconnectTeamServer = team.disconnect;
  }
  /** A fetch (the webview's check of the server) answering `status` with `body`. */
  function serverAnswers(body: unknown, status: number) {
    const f = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status }));
    vi.stubGlobal("fetch", f);
    return f;
  }
  /** Render Settings and fill the form in. */
  async function fillIn(url: string, token: string) {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const section = await screen.findByTestId("team-server");
    fireEvent.change(within(section).getByTestId("team-server-url"), { target: { value: url } });
    fireEvent.change(within(section).getByTestId("team-server-token"), { target: { value: token } });
    return { section, connect: within(section).getByTestId("team-server-connect") as HTMLButtonElement };
  }

  afterEach(() => {
    vi.unstubAllGlobals();
    setConnection({ adminUrl: "", token: null, teamServer: null });
  });

  it("is not there in the browser", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    await screen.findByTestId("access");
    await screen.findByLabelText("strict RFC mode");
    expect(screen.queryByTestId("team-server")).toBeNull();
  });

  it("says what it is for and asks for an address and a personal token, kept hidden", async () => {
    desktop();
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const section = await screen.findByTestId("team-server");
    expect(section.textContent).toContain(
      "Connect this app to your team's ScimLab server instead of the engine on this computer: its address, then sign in with your organisation's account, or give a personal token from scimlab admin-user add NAME --role viewer.",
    );
    const url = within(section).getByTestId("team-server-url") as HTMLInputElement;
    const token = within(section).getByTestId("team-server-token") as HTMLInputElement;
    expect(url.placeholder).toBe("https://scimlab.example.com:8788");
    expect(token.type).toBe("password");
    expect(token.placeholder).toBe("slp_…");
    const connect = within(section).getByTestId("team-server-connect") as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    fireEvent.change(url, { target: { value: ADDRESS } });
    expect(connect.disabled).toBe(true); // no token yet
    fireEvent.change(token, { target: { value: "slp_abc" } });
    expect(connect.disabled).toBe(false);
    expect(screen.queryByTestId("team-server-disconnect")).toBeNull();
  });

  it("signs in through the system browser, trades the code with its own verifier, then connects", async () => {
    desktop();
    host.signInInBrowser = team.signIn;
    let challenge = "";
    team.signIn.mockImplementation(async (_server: string, c: string) => {
      challenge = c;
      return { code: "one-time-code", redirectUri: "http://127.0.0.1:53121/callback" };
    });
    const f = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(JSON.stringify({ token: "sls_session", name: "ada@example.com", role: "operator", expiresAt: 1 }), { status: 200 }),
    );
    vi.stubGlobal("fetch", f);
    team.connect.mockResolvedValue(connected);
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const section = await screen.findByTestId("team-server");
    const signIn = within(section).getByTestId("team-server-sign-in") as HTMLButtonElement;
    expect(signIn.disabled).toBe(true); // no address yet
    fireEvent.change(within(section).getByTestId("team-server-url"), { target: { value: `${ADDRESS}/` } });
    fireEvent.click(signIn);
    await waitFor(() => expect(team.connect).toHaveBeenCalledWith(ADDRESS, "sls_session"));
    expect(team.signIn).toHaveBeenCalledWith(ADDRESS, expect.any(String), expect.any(String));
    const [url, init] = f.mock.calls[0];
    expect(url).toBe(`${ADDRESS}/auth/app-token`);
    const sent = JSON.parse(String(init?.body)) as { code: string; codeVerifier: string; redirectUri: string };
    expect(sent.code).toBe("one-time-code");
    expect(sent.redirectUri).toBe("http://127.0.0.1:53121/callback");
    // The challenge the browser carried is the S256 of the verifier only this page sent.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sent.codeVerifier)));
    const s256 = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(challenge).toBe(s256);
    expect(sent.codeVerifier.length).toBeGreaterThanOrEqual(43);
    await waitFor(() => expect(reloadApp).toHaveBeenCalledTimes(1));
  });

  it("a sign-in the server refuses says why and does not connect", async () => {
    desktop();
    host.signInInBrowser = team.signIn;
    team.signIn.mockResolvedValue({ code: "old", redirectUri: "http://127.0.0.1:1/callback" });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ error: "this sign-in code is unknown, was traded already" }), { status: 400 })),
    );
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const section = await screen.findByTestId("team-server");
    fireEvent.change(within(section).getByTestId("team-server-url"), { target: { value: ADDRESS } });
    fireEvent.click(within(section).getByTestId("team-server-sign-in"));
    expect((await within(section).findByTestId("team-server-error")).textContent).toBe(
      "this sign-in code is unknown, was traded already",
    );
    expect(team.connect).not.toHaveBeenCalled();
    expect(reloadApp).not.toHaveBeenCalled();
    expect((within(section).getByTestId("team-server-sign-in") as HTMLButtonElement).disabled).toBe(false);
  });

  it("checks the server from here with the token, then connects through the host and reloads", async () => {
    desktop();
    let answer: (r: Response) => void = () => {};
    const f = vi.fn((_url: string, _init?: RequestInit) => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal("fetch", f);
    team.connect.mockResolvedValue(connected);
    const { connect } = await fillIn(` ${ADDRESS}/ `, " slp_abc ");
    fireEvent.click(connect);
    await waitFor(() => expect(f).toHaveBeenCalledTimes(1));
    const [url, init] = f.mock.calls[0];
    expect(url).toBe(`${ADDRESS}/api/session`);
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer slp_abc");
    // checking: the button waits, the host is not asked yet
    expect(connect.disabled).toBe(true);
    expect(connect.textContent).toBe("checking…");
    expect(team.connect).not.toHaveBeenCalled();
    answer(new Response(JSON.stringify(OTTO), { status: 200 }));
    await waitFor(() => expect(team.connect).toHaveBeenCalledWith(ADDRESS, "slp_abc"));
    await waitFor(() => expect(reloadApp).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId("team-server-error")).toBeNull();
  });

  it("shows the server's message for a refused token, and does not connect", async () => {
    desktop();
    serverAnswers({ error: "the personal token slp_abc… was revoked: ask an owner of the team server for a new one" }, 401);
    const { connect } = await fillIn(ADDRESS, "slp_abc");
    fireEvent.click(connect);
    const error = await screen.findByTestId("team-server-error");
    expect(error.textContent).toBe("the personal token slp_abc… was revoked: ask an owner of the team server for a new one");
    expect(error.getAttribute("role")).toBe("alert");
    expect(team.connect).not.toHaveBeenCalled();
    expect(reloadApp).not.toHaveBeenCalled();
    expect(connect.disabled).toBe(false); // try again
    expect(connect.textContent).toBe("Connect");
  });

  it("says what to check when the server cannot be reached, and does not connect", async () => {
    desktop();
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const { connect } = await fillIn(ADDRESS, "slp_abc");
    fireEvent.click(connect);
    expect((await screen.findByTestId("team-server-error")).textContent).toBe(
      `could not reach ${ADDRESS}: is the address right, is the server running with --admin-addr reachable from here, and is its certificate trusted by this computer?`,
    );
    expect(team.connect).not.toHaveBeenCalled();
    expect(reloadApp).not.toHaveBeenCalled();
  });

  it("shows what the shell refuses, and does not reload", async () => {
    desktop();
    serverAnswers(OTTO, 200);
    team.connect.mockRejectedValue("could not remember the team server in /home/me/.local/share/scimlab/team-server.json: permission denied");
    const { connect } = await fillIn(ADDRESS, "slp_abc");
    fireEvent.click(connect);
    expect((await screen.findByTestId("team-server-error")).textContent).toBe(
      "could not remember the team server in /home/me/.local/share/scimlab/team-server.json: permission denied",
    );
    expect(team.connect).toHaveBeenCalledWith(ADDRESS, "slp_abc");
    expect(reloadApp).not.toHaveBeenCalled();
    expect(connect.disabled).toBe(false);
  });

  it("while connected, names the server and goes back to this computer's engine through the host", async () => {
    desktop();
    setConnection(connected.connection);
    team.disconnect.mockResolvedValue(local);
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const section = await screen.findByTestId("team-server");
    expect(within(section).getByTestId("team-server-connected").textContent).toBe(`Connected to team server ${ADDRESS}`);
    expect(within(section).queryByTestId("team-server-url")).toBeNull();
    const back = within(section).getByTestId("team-server-disconnect") as HTMLButtonElement;
    expect(back.textContent).toBe("Use this computer's engine");
    fireEvent.click(back);
    await waitFor(() => expect(team.disconnect).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(reloadApp).toHaveBeenCalledTimes(1));
  });

  it("says why it could not go back, and stays", async () => {
    desktop();
    setConnection(connected.connection);
    team.disconnect.mockRejectedValue("could not forget the team server (/home/me/.local/share/scimlab/team-server.json): permission denied");
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    fireEvent.click(await screen.findByTestId("team-server-disconnect"));
    expect((await screen.findByTestId("team-server-error")).textContent).toContain("could not forget the team server");
    expect(reloadApp).not.toHaveBeenCalled();
    expect((screen.getByTestId("team-server-disconnect") as HTMLButtonElement).disabled).toBe(false);
  });

  it("while connected, shows the team server's addresses read-only: restarting would restart this computer's engine", async () => {
    desktop();
    setConnection(connected.connection);
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    await screen.findByText("127.0.0.1:8787");
    expect(screen.queryByLabelText("SCIM address")).toBeNull();
    expect(screen.getByText(/scimlab serve --scim-addr/)).toBeTruthy();
  });
});
