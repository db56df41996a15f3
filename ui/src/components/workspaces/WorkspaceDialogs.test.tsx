//! The workspace dialogs on their own (fake platform): create (slug and tenant URL as typed, a
//! taken slug refused, template and settings to copy sent, the engine's error shown), delete
//! (what is lost, counted fresh; the name typed before the destructive button works), rename,
//! export (pseudonymised by default, saved through the host; the CLI command where the host
//! cannot save binary files) and import (the file's bytes sent; the engine's 400 shown).
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, host } from "../../platform";
import { ToastProvider } from "../../state/toasts";
import { CreateWorkspaceDialog } from "./CreateWorkspaceDialog";
import { DeleteWorkspaceDialog, lossOf } from "./DeleteWorkspaceDialog";
import { databaseBeside, exportCommand, ExportWorkspaceDialog } from "./ExportWorkspaceDialog";
import { ImportWorkspaceDialog } from "./ImportWorkspaceDialog";
import { RenameWorkspaceDialog } from "./RenameWorkspaceDialog";
import { info } from "./fixtures";

vi.mock("../../platform", async () => (await import("../../views/testPlatform")).platformMock());

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const h = host as unknown as {
  saveBytes: ReturnType<typeof vi.fn> | null;
  exportWorkspace: ReturnType<typeof vi.fn> | null;
  settingsFile: ReturnType<typeof vi.fn>;
};
const saveBytes = h.saveBytes;

const DEFAULT = info({ slug: "default", name: "Default" });
const CONTOSO = info({ slug: "contoso-entra", name: "Contoso Entra", users: 1200, groups: 1, exchanges: 0 });

const inToasts = (ui: ReactNode) => render(<ToastProvider>{ui}</ToastProvider>);

beforeEach(() => {
  vi.clearAllMocks();
  h.saveBytes = saveBytes;
  h.exportWorkspace = null;
  m.createWorkspace = vi.fn();
  m.renameWorkspace = vi.fn();
  m.deleteWorkspace = vi.fn();
  m.exportWorkspace = vi.fn();
  m.importWorkspace = vi.fn();
  m.workspace.mockImplementation(async () => CONTOSO);
});

describe("CreateWorkspaceDialog", () => {
  const open = (onCreated = vi.fn(), onCancel = vi.fn()) => {
    inToasts(<CreateWorkspaceDialog workspaces={[DEFAULT, CONTOSO]} onCancel={onCancel} onCreated={onCreated} />);
    return { onCreated, onCancel, name: screen.getByLabelText("Name") as HTMLInputElement, create: screen.getByRole("button", { name: "Create and switch" }) };
  };

  it("shows the slug and tenant URL as the name is typed; the name field has the focus", () => {
    const { name, create } = open();
    expect(document.activeElement).toBe(name);
    expect((create as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: "Fabrikam Okta (staging)" } });
    expect(screen.getByTestId("workspace-create-slug").textContent).toBe("fabrikam-okta-staging");
    expect(screen.getByTestId("workspace-create-url").textContent).toBe("http://127.0.0.1:8787/w/fabrikam-okta-staging/scim/v2");
    expect((create as HTMLButtonElement).disabled).toBe(false);
  });

  it("refuses a name whose slug is taken, or has no letter or digit", () => {
    const { name, create } = open();
    fireEvent.change(name, { target: { value: "contoso  ENTRA" } });
    expect(screen.getByTestId("workspace-create-preview").textContent).toMatch(/slug contoso-entra is taken/);
    expect((create as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: "Default" } });
    expect((create as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: "!!!" } });
    expect(screen.getByTestId("workspace-create-preview").textContent).toMatch(/use letters or digits/);
    expect((create as HTMLButtonElement).disabled).toBe(true);
  });

  it("sends the name, the template and the workspace to copy settings from; hands the new workspace over", async () => {
    const made = info({ slug: "acme", name: "Acme" });
    m.createWorkspace.mockResolvedValue(made);
    const { name, create, onCreated } = open();
    fireEvent.change(name, { target: { value: "  Acme " } });
    fireEvent.click(screen.getByLabelText("Okta — guide setup"));
    fireEvent.change(screen.getByLabelText("Copy settings from"), { target: { value: "contoso-entra" } });
    fireEvent.click(create);
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(made));
    expect(m.createWorkspace).toHaveBeenCalledWith({ name: "Acme", template: "okta-guide", copySettingsFrom: "contoso-entra" });
  });

  it("without a template or settings to copy, sends the name only; the engine's refusal is shown in the dialog", async () => {
    m.createWorkspace.mockRejectedValue(new Error("a workspace with slug 'acme' already exists: choose another name"));
    const { name, onCreated } = open();
    expect((screen.getByLabelText("None") as HTMLInputElement).checked).toBe(true);
    fireEvent.change(name, { target: { value: "Acme" } });
    fireEvent.submit(name.form!);
    expect((await screen.findByTestId("workspace-error")).textContent).toBe("a workspace with slug 'acme' already exists: choose another name");
    expect(m.createWorkspace).toHaveBeenCalledWith({ name: "Acme" });
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("Escape cancels", () => {
    const { onCancel } = open();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe("DeleteWorkspaceDialog", () => {
  it("says what is lost, with the counts as they are now", async () => {
    m.workspace.mockResolvedValue({ ...CONTOSO, exchanges: 17 });
    inToasts(<DeleteWorkspaceDialog workspace={CONTOSO} onCancel={vi.fn()} onDeleted={vi.fn()} />);
    await waitFor(() =>
      expect(screen.getByTestId("workspace-delete-loss").textContent).toBe(
        "1,200 users, 1 group, 17 exchanges, its SCIM key and its fault rules are erased for good; the IdP pointed at http://127.0.0.1:8787/w/contoso-entra/scim/v2 will get 401.",
      ),
    );
    expect(m.workspace).toHaveBeenCalledWith("contoso-entra");
  });

  it("the destructive button works only once the name is typed", async () => {
    m.deleteWorkspace.mockResolvedValue({ slug: "contoso-entra", name: "Contoso Entra", users: 1200, groups: 1, exchanges: 0 });
    const onDeleted = vi.fn();
    inToasts(<DeleteWorkspaceDialog workspace={CONTOSO} onCancel={vi.fn()} onDeleted={onDeleted} />);
    const typed = screen.getByLabelText(/to confirm/);
    expect(document.activeElement).toBe(typed);
    const del = screen.getByRole("button", { name: "Delete for good" }) as HTMLButtonElement;
    expect(del.disabled).toBe(true);
    fireEvent.change(typed, { target: { value: "contoso entra" } });
    expect(del.disabled).toBe(true);
    fireEvent.submit(del.form!);
    expect(m.deleteWorkspace).not.toHaveBeenCalled();
    fireEvent.change(typed, { target: { value: "Contoso Entra" } });
    expect(del.disabled).toBe(false);
    fireEvent.click(del);
    await waitFor(() => expect(onDeleted).toHaveBeenCalledTimes(1));
    expect(m.deleteWorkspace).toHaveBeenCalledWith("contoso-entra");
    expect(await screen.findByText(/Deleted “Contoso Entra”: 1,200 users, 1 group and 0 exchanges erased/)).toBeTruthy();
  });

  it("lossOf counts in the singular and plural", () => {
    expect(lossOf({ users: 1, groups: 0, exchanges: 1, tenantUrl: "u" })).toMatch(/^1 user, 0 groups, 1 exchange, its SCIM key/);
  });
});

describe("RenameWorkspaceDialog", () => {
  it("renames and says the tenant URL stays; an unchanged name cannot be sent", async () => {
    m.renameWorkspace.mockResolvedValue({ ...CONTOSO, name: "Contoso (prod)" });
    const onRenamed = vi.fn();
    inToasts(<RenameWorkspaceDialog workspace={CONTOSO} onCancel={vi.fn()} onRenamed={onRenamed} />);
    expect(screen.getByText(/the tenant URL/).textContent).toContain("http://127.0.0.1:8787/w/contoso-entra/scim/v2");
    const save = screen.getByRole("button", { name: "Rename" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Contoso (prod)" } });
    fireEvent.click(save);
    await waitFor(() => expect(onRenamed).toHaveBeenCalled());
    expect(m.renameWorkspace).toHaveBeenCalledWith("contoso-entra", "Contoso (prod)");
  });
});

describe("ExportWorkspaceDialog", () => {
  it("exports pseudonymised by default and saves the engine's file through the host", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    m.exportWorkspace.mockResolvedValue({ name: "contoso-entra-pseudonymised.scimlab", bytes });
    const onClose = vi.fn();
    inToasts(<ExportWorkspaceDialog workspace={CONTOSO} onClose={onClose} />);
    const box = screen.getByLabelText("Pseudonymise names, emails and ids") as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(screen.getByTestId("workspace-export-download"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(m.exportWorkspace).toHaveBeenCalledWith("contoso-entra", true);
    expect(saveBytes).toHaveBeenCalledWith("contoso-entra-pseudonymised.scimlab", bytes, "application/vnd.sqlite3");
  });

  it("on the desktop, the native dialog picks where and the engine writes the file (no bytes through the page)", async () => {
    h.exportWorkspace = vi.fn(async () => "/home/ada/contoso.scimlab");
    const onClose = vi.fn();
    inToasts(<ExportWorkspaceDialog workspace={CONTOSO} onClose={onClose} />);
    fireEvent.click(screen.getByTestId("workspace-export-download"));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(h.exportWorkspace).toHaveBeenCalledWith("contoso-entra", true, "contoso-entra-pseudonymised.scimlab");
    expect(m.exportWorkspace).not.toHaveBeenCalled();
    expect(saveBytes).not.toHaveBeenCalled();
  });

  it("unticked, exports the real names", async () => {
    m.exportWorkspace.mockResolvedValue({ name: "contoso-entra.scimlab", bytes: new Uint8Array() });
    inToasts(<ExportWorkspaceDialog workspace={CONTOSO} onClose={vi.fn()} />);
    fireEvent.click(screen.getByLabelText("Pseudonymise names, emails and ids"));
    expect(screen.getByText(/real people's names/)).toBeTruthy();
    fireEvent.click(screen.getByTestId("workspace-export-download"));
    await waitFor(() => expect(m.exportWorkspace).toHaveBeenCalledWith("contoso-entra", false));
  });

  it("where the host cannot save binary files, shows the command on the desktop's database instead", async () => {
    h.saveBytes = null;
    h.settingsFile = vi.fn(async () => "/home/ada/.local/share/app.scimlab/desktop.json");
    inToasts(<ExportWorkspaceDialog workspace={CONTOSO} onClose={vi.fn()} />);
    expect(screen.queryByTestId("workspace-export-download")).toBeNull();
    await waitFor(() =>
      expect(screen.getByTestId("workspace-export-command").textContent).toBe(
        'scimlab workspace export contoso-entra -o contoso-entra-pseudonymised.scimlab --pseudonymise --db "/home/ada/.local/share/app.scimlab/scimlab.db"',
      ),
    );
  });

  it("commands and database paths", () => {
    expect(exportCommand("acme", false)).toBe("scimlab workspace export acme -o acme.scimlab");
    expect(databaseBeside("C:\\Users\\ada\\AppData\\Roaming\\app\\desktop.json")).toBe("C:\\Users\\ada\\AppData\\Roaming\\app\\scimlab.db");
  });
});

describe("ImportWorkspaceDialog", () => {
  const pick = (name = "acme.scimlab") => {
    const file = new File([new Uint8Array([83, 81, 76])], name);
    fireEvent.change(screen.getByLabelText("File"), { target: { files: [file] } });
    return file;
  };

  it("sends the picked file, with a name when given, and hands the workspace over", async () => {
    const made = info({ slug: "acme-copy", name: "Acme copy" });
    m.importWorkspace.mockResolvedValue(made);
    const onImported = vi.fn();
    inToasts(<ImportWorkspaceDialog onCancel={vi.fn()} onImported={onImported} />);
    const go = screen.getByRole("button", { name: "Import and switch" }) as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    const file = pick();
    fireEvent.change(screen.getByLabelText("Name (optional)"), { target: { value: " Acme copy " } });
    fireEvent.click(go);
    await waitFor(() => expect(onImported).toHaveBeenCalledWith(made));
    expect(m.importWorkspace).toHaveBeenCalledWith(file, "Acme copy");
  });

  it("shows the engine's words when it refuses the file", async () => {
    m.importWorkspace.mockRejectedValue(new Error("the file is not a ScimLab export (no workspace table): export one with scimlab workspace export"));
    const onImported = vi.fn();
    inToasts(<ImportWorkspaceDialog onCancel={vi.fn()} onImported={onImported} />);
    const file = pick("photo.jpg");
    fireEvent.click(screen.getByRole("button", { name: "Import and switch" }));
    expect((await screen.findByTestId("workspace-error")).textContent).toBe(
      "the file is not a ScimLab export (no workspace table): export one with scimlab workspace export",
    );
    expect(m.importWorkspace).toHaveBeenCalledWith(file, undefined);
    expect(onImported).not.toHaveBeenCalled();
  });
});
