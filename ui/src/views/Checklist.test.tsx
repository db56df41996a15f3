//! Tests of the Checklist screen: statuses, fixes for warn/fail, evidence links, problem-first order, report export, the not-yet-seen state.

import { describe, expect, it, vi, beforeEach } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ChecklistReply } from "../generated";
import { ChecklistView, idpOf } from "./Checklist";
import { focusTarget } from "../App";

const checklist = vi.fn();
const report = vi.fn();
const saveFile = vi.fn();
vi.mock("../platform", async (orig) => {
  const real = await orig<typeof import("../platform")>();
  return {
    ...real,
    api: { checklist: (idp: string) => checklist(idp), checklistReport: (idp: string, format?: string) => report(idp, format) },
    host: { ...real.host, saveFile: (...a: unknown[]) => saveFile(...a) },
  };
});

const list: ChecklistReply = {
  idp: "okta",
  updating: false,
  score: { pass: 1, warn: 1, fail: 1, notYetSeen: 1 },
  items: [
    { id: "auth.header", title: "authorization header accepted", status: "pass", summary: "every request carried the bearer key", evidence: [3, 4], fix: null },
    { id: "roles.valid", title: "role values valid", status: "fail", summary: "2 users sent an invalid role", evidence: [7], fix: "in okta set the role attribute to Member or Admin" },
    { id: "okta.update-mode", title: "update mode", status: "warn", summary: "okta sent PUT", evidence: [], fix: "enable PATCH in the app settings" },
    { id: "lifecycle.deactivation", title: "deactivation", status: "not-yet-seen", summary: "no deactivation from okta yet", evidence: [], fix: null },
  ],
};

beforeEach(() => {
  checklist.mockReset();
  report.mockReset();
  saveFile.mockReset();
});

describe("ChecklistView", () => {
  it("keeps the tab's checklist when the other tab's slower answer lands last", async () => {
    let entra: (c: ChecklistReply) => void = () => {};
    checklist.mockImplementation((idp: string) => (idp === "entra" ? new Promise((r) => (entra = r)) : Promise.resolve(list)));
    const { rerender } = render(<ChecklistView param="entra" params={new URLSearchParams()} />);
    rerender(<ChecklistView param="okta" params={new URLSearchParams()} />);
    await screen.findByTestId("check-roles.valid");
    await act(async () => entra({ ...list, idp: "entra" }));
    expect(screen.getByTestId("check-roles.valid")).toBeTruthy();
    expect(screen.queryByText("scoring the traffic…")).toBeNull();
  });

  it("defaults to entra", () => {
    expect(idpOf(null)).toBe("entra");
    expect(idpOf("okta")).toBe("okta");
    expect(idpOf("bogus")).toBe("entra");
  });

  it("renders each item's status, fix for warn/fail and evidence links", async () => {
    checklist.mockResolvedValue(list);
    render(<ChecklistView param="okta" params={new URLSearchParams()} />);
    const fail = await screen.findByTestId("check-roles.valid");
    expect(checklist).toHaveBeenCalledWith("okta");
    expect(fail.getAttribute("data-status")).toBe("fail");
    expect(within(fail).getByText("fail").className).toContain("bad");
    expect(within(fail).getByRole("note").textContent).toContain("in okta set the role attribute to Member or Admin");
    expect(within(fail).getByRole("link", { name: "#7" }).getAttribute("href")).toBe("#/traffic/7");

    const pass = screen.getByTestId("check-auth.header");
    expect(pass.getAttribute("data-status")).toBe("pass");
    expect(within(pass).queryByRole("note")).toBeNull();
    expect(within(pass).getAllByRole("link").map((a) => a.getAttribute("href"))).toEqual(["#/traffic/3", "#/traffic/4"]);

    expect(within(screen.getByTestId("check-okta.update-mode")).getByRole("note").textContent).toContain("enable PATCH");
    expect(screen.getByTestId("check-lifecycle.deactivation").getAttribute("data-status")).toBe("not-yet-seen");
    expect(within(screen.getByTestId("check-lifecycle.deactivation")).getByText("not yet seen")).toBeTruthy();

    // problems come first
    const order = screen.getAllByRole("listitem").map((li) => li.getAttribute("data-testid")).filter(Boolean);
    expect(order).toEqual(["check-roles.valid", "check-okta.update-mode", "check-lifecycle.deactivation", "check-auth.header"]);

    expect(screen.getByTestId("checklist-score").textContent).toContain("1 not yet seen");
    expect(screen.getByRole("tab", { name: "Okta" }).getAttribute("aria-selected")).toBe("true");
  });

  it("exports the Markdown report through the host", async () => {
    checklist.mockResolvedValue(list);
    report.mockResolvedValue("# report");
    saveFile.mockResolvedValue("/home/me/scimlab-checklist-okta.md");
    render(<ChecklistView param="okta" params={new URLSearchParams()} />);
    await screen.findByTestId("check-roles.valid");
    fireEvent.change(screen.getByRole("combobox", { name: "report format" }), { target: { value: "md" } });
    fireEvent.click(screen.getByRole("button", { name: "Export report" }));
    await waitFor(() => expect(saveFile).toHaveBeenCalledWith("scimlab-checklist-okta.md", "# report", "text/markdown"));
    expect(report).toHaveBeenCalledWith("okta", "md");
  });

  it("exports the HTML hand-over report by default", async () => {
    checklist.mockResolvedValue(list);
    report.mockResolvedValue("<!DOCTYPE html>");
    saveFile.mockResolvedValue("/home/me/scimlab-report-okta.html");
    render(<ChecklistView param="okta" params={new URLSearchParams()} />);
    await screen.findByTestId("check-roles.valid");
    expect((screen.getByRole("combobox", { name: "report format" }) as HTMLSelectElement).value).toBe("html");
    fireEvent.click(screen.getByRole("button", { name: "Export report" }));
    await waitFor(() => expect(saveFile).toHaveBeenCalledWith("scimlab-report-okta.html", "<!DOCTYPE html>", "text/html"));
    expect(report).toHaveBeenCalledWith("okta", "html");
  });

  it("has Simulate ▾ in its header and marks check ids as internal (hidden when presenting)", async () => {
    checklist.mockResolvedValue(list);
    render(<ChecklistView param="okta" params={new URLSearchParams()} />);
    const item = await screen.findByTestId("check-roles.valid");
    const head = document.querySelector(".checklist-head") as HTMLElement;
    const menu = within(head).getByRole("button", { name: "Simulate ▾" });
    expect(menu.getAttribute("aria-haspopup")).toBe("menu");
    fireEvent.click(menu);
    expect(within(head).getAllByRole("menuitem")).toHaveLength(4);
    expect(within(item).getByText("roles.valid").classList.contains("internal-id")).toBe(true);
  });

  it("switched to, it takes the focus on its heading (the app frame's focus target), or on a [data-autofocus] element", async () => {
    checklist.mockResolvedValue(list);
    const { container } = render(
      <div className="screen" tabIndex={-1}>
        <ChecklistView param="okta" params={new URLSearchParams()} />
      </div>,
    );
    await screen.findByTestId("check-roles.valid");
    const root = container.firstElementChild as HTMLElement;
    const heading = focusTarget(root);
    expect(heading.el.textContent).toBe("Setup checklist");
    heading.el.focus();
    expect(document.activeElement).toBe(heading.el);
    expect(heading.el.tabIndex).toBe(-1);
    const items = root.querySelector(".check-list") as HTMLElement;
    items.setAttribute("data-autofocus", "");
    items.tabIndex = -1;
    const picked = focusTarget(root);
    expect(picked.el).toBe(items);
    expect(picked.rank).toBeLessThan(heading.rank);
    // a screen with nothing to pick: the screen itself
    expect(focusTarget(document.createElement("div")).rank).toBe(4);
  });

  it("says when the users behind it are being evaluated again", async () => {
    checklist.mockResolvedValue({ ...list, idp: "entra", updating: true });
    render(<ChecklistView param={null} params={new URLSearchParams()} />);
    expect((await screen.findByTestId("checklist-updating")).textContent).toContain("previous results");
  });

  it("explains what fills the items when nothing was seen", async () => {
    checklist.mockResolvedValue({
      idp: "entra",
      updating: false,
      score: { pass: 0, warn: 0, fail: 0, notYetSeen: 1 },
      items: [{ id: "connection.test", title: "connection test", status: "not-yet-seen", summary: "no test yet", evidence: [], fix: null }],
    } satisfies ChecklistReply);
    render(<ChecklistView param={null} params={new URLSearchParams()} />);
    await screen.findByText("No Entra ID traffic yet");
    expect(screen.getByText(/Test Connection/)).toBeTruthy();
  });
});
