//! Tests of the Settings screen: the profile editor's list operations, strict toggle and retention through the API, desktop restart, profile duplicate/save error, choose, reset.

import { describe, expect, it, vi, beforeEach } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { EngineSettings, MappingProfile, ProfileList } from "../generated";
import { ApiError } from "../platform/http";
import { SettingsView } from "./Settings";
import { addSource, badSourceOf, cleaned, duplicate, moveSource, removeSource, setSource, slugify, sourcesOf } from "./settings/profileEditing";
import { validAddr } from "./settings/listenAddress";

const api = vi.hoisted(() => ({
  settings: vi.fn(),
  updateSettings: vi.fn(),
  profiles: vi.fn(),
  chooseProfile: vi.fn(),
  saveProfile: vi.fn(),
  deleteProfile: vi.fn(),
  reset: vi.fn(),
}));
const host = vi.hoisted(() => ({
  kind: "browser" as "browser" | "desktop",
  restartEngine: vi.fn(),
  settingsFile: vi.fn(),
  saveFile: vi.fn(),
  connection: vi.fn(),
}));
vi.mock("../platform", async (orig) => ({ ...(await orig<typeof import("../platform")>()), api, host }));

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
  host.restartEngine.mockReset();
  host.settingsFile.mockReset();
  api.settings.mockResolvedValue(settings);
  api.profiles.mockResolvedValue(profiles);
});

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

  it("chooses the profile in force", async () => {
    api.chooseProfile.mockResolvedValue({ ...profiles, active: "entra" });
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    fireEvent.click(await screen.findByTestId("profile-entra"));
    fireEvent.click(screen.getByRole("button", { name: "Use this profile" }));
    await waitFor(() => expect(api.chooseProfile).toHaveBeenCalledWith("entra"));
    await waitFor(() => expect(within(screen.getByTestId("profile-entra")).getByText("in force")).toBeTruthy());
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

describe("profile list keyboard", () => {
  it("opens a profile with Enter from the keyboard", async () => {
    render(<SettingsView param={null} params={new URLSearchParams()} />);
    const item = await screen.findByTestId("profile-entra");
    expect(item.tabIndex).toBe(0);
    fireEvent.keyDown(item, { key: "Enter" });
    await screen.findByRole("heading", { level: 4, name: "Entra ID" });
  });
});
