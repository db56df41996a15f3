//! Tests of the Users list: a row (invalid role, IdP badge), the engine doing the search (debounced), IdP/active filters and sorting through the URL, the true total, keyboard opening, the empty result with "clear filters", the empty state with its simulate button, infinite scroll by pages, and virtualisation (only the rows on screen are in the DOM; jsdom has no layout, so the list assumes a 720 px screen and the tests move scrollTop themselves).

import { describe, expect, it, vi, beforeEach } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ResourcePage } from "../../generated";
import type { UserQuery } from "../../platform/api";
import { useRoute } from "../../state/route";
import { bulkPage, samplePage, totalOnly } from "./fixtures";
import { rowsOf } from "./model";
import { PAGE, SEARCH_DEBOUNCE_MS, USER_ROW_HEIGHT, UserList, UserRowView, shortWhen } from "./UserList";

const users = vi.fn();
const startSimulation = vi.fn();
vi.mock("../../platform", async (orig) => ({
  ...(await orig<typeof import("../../platform")>()),
  api: { users: (...a: unknown[]) => users(...a), startSimulation: (...a: unknown[]) => startSimulation(...a) },
}));

/** The list as the app mounts it: its params follow the hash. */
function Routed() {
  const route = useRoute();
  return <UserList params={route.params} />;
}

const ORDER = { sort: "created", order: "descending" };

/** Rows the list holds (loaded), as its table tells assistive tech: not the rows rendered. */
function loaded(): number {
  return Number(screen.getByRole("table").getAttribute("aria-rowcount")) - 1;
}

/** The ids of the rows in the DOM, in order. */
function rendered(): string[] {
  return screen.getAllByTestId("user-row").map((r) => r.getAttribute("data-id") ?? "");
}

/** jsdom has no layout: the list renders a 720 px screen of rows plus its overscan at most. */
const SCREENFUL = Math.ceil(720 / USER_ROW_HEIGHT);
const MAX_RENDERED = SCREENFUL + 2 * 10 + 1;

function scrollWrap(top: number): HTMLElement {
  const wrap = screen.getByLabelText("users; arrow keys move, Enter opens");
  wrap.scrollTop = top;
  fireEvent.scroll(wrap);
  return wrap;
}

/** An engine of 5,000 users: 50 by Okta, one matching "ada", none matching anything else. */
function engine(_start: number, count: number, q: UserQuery = {}): Promise<ResourcePage> {
  if (count === 0) return Promise.resolve(totalOnly(5000));
  if (q.q === "ada") return Promise.resolve({ ...samplePage(), resources: samplePage().resources.slice(0, 1), mappings: samplePage().mappings!.slice(0, 1), idps: ["entra"], totalResults: 1 });
  if (q.q) return Promise.resolve({ ...totalOnly(0) });
  if (q.idp === "okta") return Promise.resolve(bulkPage("okta", 50, 50, "okta"));
  return Promise.resolve(samplePage());
}

beforeEach(() => {
  users.mockReset();
  window.location.hash = "#/users";
});

describe("UserRowView", () => {
  it("shows an invalid role as invalid with the role the user gets, the mapping problem and the IdP", () => {
    const row = rowsOf(samplePage())[2];
    render(
      <table>
        <tbody>
          <UserRowView row={row} selected={false} />
        </tbody>
      </table>,
    );
    const tr = screen.getByTestId("user-row");
    expect(tr.getAttribute("data-id")).toBe("u3");
    const badge = within(tr).getByText("invalid → Member");
    expect(badge.className).toContain("bad");
    expect(badge.getAttribute("title")).toBe("invalid — a value that is not exactly Member or Admin arrived, so Member");
    const problem = within(tr).getByText("1 invalid");
    expect(problem.className).toContain("bad");
    expect(problem.getAttribute("title")).toContain("role: invalid — a value that is not exactly Member or Admin arrived, so Member");
    expect(within(tr).getByText("inactive")).toBeTruthy();
    expect(within(tr).getByText("Okta").className).toContain("idp-okta");
    expect(within(tr).getByRole("link", { name: "cy@x.test" }).getAttribute("href")).toBe("#/users/u3");
  });

  it("shows Admin, all mapped and Entra ID for a clean admin", () => {
    const row = rowsOf(samplePage())[0];
    render(
      <table>
        <tbody>
          <UserRowView row={row} selected />
        </tbody>
      </table>,
    );
    const tr = screen.getByTestId("user-row");
    expect(within(tr).getByText("Admin").className).toContain("role-admin");
    expect(within(tr).getByText("Admin").getAttribute("title")).toBe("mapped — Member or Admin arrived and was read");
    expect(within(tr).getByText("all mapped")).toBeTruthy();
    expect(within(tr).getByText("Entra ID")).toBeTruthy();
    expect(tr.getAttribute("aria-selected")).toBe("true");
  });

  it("explains a defaulted Member in the shared words", () => {
    const row = rowsOf(samplePage())[1];
    render(
      <table>
        <tbody>
          <UserRowView row={row} selected={false} />
        </tbody>
      </table>,
    );
    const member = within(screen.getByTestId("user-row")).getByText("Member");
    expect(member.getAttribute("title")).toBe("defaulted — no role arrived, so Member");
  });
});

describe("shortWhen", () => {
  it("gives the time today, the day earlier this year, and the year before that", () => {
    const now = new Date(2026, 10, 28, 18, 0, 0);
    expect(shortWhen(new Date(2026, 10, 28, 17, 2, 3).toISOString(), now)).toBe("17:02:03");
    expect(shortWhen(new Date(2026, 10, 27, 9, 0, 0).toISOString(), now)).toBe("Nov 27");
    expect(shortWhen(new Date(2025, 0, 5, 9, 0, 0).toISOString(), now)).toBe("Jan 5, 2025");
    expect(shortWhen("soon", now)).toBe("soon");
  });
});

describe("UserList", () => {
  it("lists the engine's first page with the true total and opens the selected user with the keyboard", async () => {
    users.mockImplementation(engine);
    users.mockImplementationOnce(async () => ({ ...samplePage(), totalResults: 5000 }));
    render(<Routed />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    expect(users).toHaveBeenCalledWith(1, PAGE, ORDER);
    expect(screen.getByTestId("users-count").textContent).toBe("5,000 users");

    const search = screen.getByLabelText("search users");
    fireEvent.keyDown(search, { key: "ArrowDown" });
    fireEvent.keyDown(search, { key: "ArrowDown" });
    fireEvent.keyDown(search, { key: "ArrowUp" });
    fireEvent.keyDown(search, { key: "Enter" });
    expect(window.location.hash).toBe("#/users/u2");
  });

  it("sends the search to the engine after a pause, and says how many of all users match", async () => {
    users.mockImplementation(engine);
    render(<Routed />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    users.mockClear();

    fireEvent.change(screen.getByLabelText("search users"), { target: { value: "ad" } });
    fireEvent.change(screen.getByLabelText("search users"), { target: { value: "ada" } });
    // not on every key: nothing reached the engine yet, nor 100 ms later
    expect(users).not.toHaveBeenCalled();
    await act(() => new Promise((r) => setTimeout(r, 100)));
    expect(users).not.toHaveBeenCalled();
    await waitFor(() => expect(window.location.hash).toBe("#/users?q=ada"), { timeout: SEARCH_DEBOUNCE_MS * 4 });
    await waitFor(() => expect(screen.getByTestId("users-count").textContent).toBe("1 of 5,000 matches"));
    expect(users).toHaveBeenCalledWith(1, PAGE, { q: "ada", ...ORDER });
    expect(users).toHaveBeenCalledWith(1, 0); // everyone, for "of 5,000"
    expect(users.mock.calls.filter((c) => (c[2] as UserQuery | undefined)?.q === "ad")).toHaveLength(0);
    expect(screen.getAllByTestId("user-row").map((r) => r.getAttribute("data-id"))).toEqual(["u1"]);
  });

  it("filters by IdP and active in the engine, from the URL and back into it", async () => {
    users.mockImplementation(engine);
    render(<Routed />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    fireEvent.change(screen.getByLabelText("IdP"), { target: { value: "okta" } });
    expect(window.location.hash).toBe("#/users?idp=okta");
    await waitFor(() => expect(screen.getByTestId("users-count").textContent).toBe("50 of 5,000 match"));
    expect(users).toHaveBeenCalledWith(1, PAGE, { idp: "okta", ...ORDER });
    expect(loaded()).toBe(50);
    expect(rendered()[0]).toBe("okta0");

    fireEvent.change(screen.getByLabelText("active"), { target: { value: "inactive" } });
    expect(window.location.hash).toBe("#/users?idp=okta&active=inactive");
    await waitFor(() => expect(users).toHaveBeenCalledWith(1, PAGE, { idp: "okta", active: false, ...ORDER }));
  });

  it("keeps the header true to the rows on screen while a new filter is on its way", async () => {
    let okta: (p: ResourcePage) => void = () => {};
    users.mockImplementation((start: number, count: number, q: UserQuery = {}) =>
      q.idp === "okta" && count > 0 ? new Promise((r) => (okta = r)) : engine(start, count, q),
    );
    render(<Routed />);
    await waitFor(() => expect(screen.getByTestId("users-count").textContent).toBe("4 users"));
    fireEvent.change(screen.getByLabelText("IdP"), { target: { value: "okta" } });
    await waitFor(() => expect(users).toHaveBeenCalledWith(1, PAGE, { idp: "okta", ...ORDER }));
    expect(screen.getByTestId("users-count").textContent).toBe("4 users"); // not "4 of 5,000 match"
    expect(screen.getByText("searching…")).toBeTruthy();
    await act(async () => okta(bulkPage("okta", 50, 50, "okta")));
    await waitFor(() => expect(screen.getByTestId("users-count").textContent).toBe("50 of 5,000 match"));
  });

  it("opens on the filters and order of a shared link", async () => {
    users.mockImplementation(engine);
    window.location.hash = "#/users?q=ada&idp=okta&active=active&sort=displayName&order=descending";
    render(<Routed />);
    await waitFor(() =>
      expect(users).toHaveBeenCalledWith(1, PAGE, { q: "ada", idp: "okta", active: true, sort: "displayName", order: "descending" }),
    );
    expect((screen.getByLabelText("search users") as HTMLInputElement).value).toBe("ada");
    expect((screen.getByLabelText("IdP") as HTMLSelectElement).value).toBe("okta");
    expect((screen.getByLabelText("active") as HTMLSelectElement).value).toBe("active");
    await waitFor(() => expect(screen.getByRole("columnheader", { name: /display name/ }).getAttribute("aria-sort")).toBe("descending"));
  });

  it("sorts every user in the engine by the column clicked, reversing on a second click", async () => {
    users.mockImplementation(engine);
    render(<Routed />);
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    expect(screen.getByRole("columnheader", { name: /created/ }).getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(screen.getByRole("button", { name: /userName/ }));
    expect(window.location.hash).toBe("#/users?sort=userName");
    await waitFor(() => expect(users).toHaveBeenCalledWith(1, PAGE, { sort: "userName", order: "ascending" }));
    await waitFor(() => expect(screen.getByRole("columnheader", { name: /userName/ }).getAttribute("aria-sort")).toBe("ascending"));
    fireEvent.click(screen.getByRole("button", { name: /userName/ }));
    expect(window.location.hash).toBe("#/users?sort=userName&order=descending");
    await waitFor(() => expect(users).toHaveBeenCalledWith(1, PAGE, { sort: "userName", order: "descending" }));
    fireEvent.click(screen.getByRole("button", { name: /modified/ }));
    await waitFor(() => expect(users).toHaveBeenCalledWith(1, PAGE, { sort: "lastModified", order: "descending" }));
  });

  it("says no user matches (not 'no loaded user') and clears the filters", async () => {
    users.mockImplementation(engine);
    window.location.hash = "#/users?q=zzz&idp=okta&sort=userName";
    render(<Routed />);
    const none = await screen.findByTestId("users-none");
    expect(none.textContent).toContain("No user matches these filters (search “zzz”, created by Okta)");
    expect(none.textContent).not.toMatch(/loaded/);
    expect(screen.getByTestId("users-count").textContent).toBe("0 of 5,000 match");
    fireEvent.click(within(none).getByRole("button", { name: "Clear filters" }));
    expect(window.location.hash).toBe("#/users?sort=userName"); // the order stays
    await waitFor(() => expect(screen.getAllByTestId("user-row")).toHaveLength(4));
    expect((screen.getByLabelText("search users") as HTMLInputElement).value).toBe("");
  });

  it("explains what to do when there are no users", async () => {
    users.mockResolvedValue({ totalResults: 0, startIndex: 1, itemsPerPage: 0, resources: [], mappings: [] });
    render(<UserList />);
    await screen.findByText("No users yet");
    expect(screen.getByRole("link", { name: "Connect" }).getAttribute("href")).toBe("#/connect");
    startSimulation.mockResolvedValue({ id: "run-1" });
    fireEvent.click(screen.getByRole("button", { name: "Simulate Okta" }));
    await waitFor(() => expect(startSimulation).toHaveBeenCalledWith({ scenario: "okta", users: 10 }));
  });

  it("loads the next page from the engine as the list scrolls to its end", async () => {
    users.mockImplementation(async (start: number) => (start === 1 ? bulkPage("p", PAGE, 450) : bulkPage(`s${start}-`, PAGE, 450)));
    render(<UserList />);
    await waitFor(() => expect(loaded()).toBe(PAGE));
    expect(screen.getAllByTestId("user-row").length).toBeLessThanOrEqual(MAX_RENDERED);
    expect(screen.getByTestId("users-count").textContent).toBe("450 users");
    expect(screen.getByText(`${PAGE} of 450 shown; scrolling loads more`)).toBeTruthy();

    const wrap = screen.getByLabelText("users; arrow keys move, Enter opens");
    Object.defineProperty(wrap, "scrollHeight", { configurable: true, value: 5000 });
    Object.defineProperty(wrap, "clientHeight", { configurable: true, value: 400 });
    wrap.scrollTop = 4500;
    fireEvent.scroll(wrap);
    await waitFor(() => expect(users).toHaveBeenCalledWith(PAGE + 1, PAGE, ORDER));
    await waitFor(() => expect(loaded()).toBe(2 * PAGE));

    fireEvent.click(screen.getByRole("button", { name: "load next 50" }));
    await waitFor(() => expect(users).toHaveBeenCalledWith(2 * PAGE + 1, PAGE, ORDER));
  });

  it("drops an older query's answer that arrives after a newer one", async () => {
    let slow: (p: ResourcePage) => void = () => {};
    users.mockImplementation(engine);
    users.mockImplementationOnce(() => new Promise((r) => (slow = r)));
    render(<Routed />);
    act(() => {
      window.location.hash = "#/users?idp=okta";
    });
    await waitFor(() => expect(loaded()).toBe(50));
    await act(async () => slow(samplePage()));
    expect(loaded()).toBe(50);
    expect(rendered()[0]).toBe("okta0");
  });

  it("renders only the rows on screen out of 5,000 loaded, and scrolling shows later ones", async () => {
    const many = bulkPage("m", 5000, 5000);
    users.mockImplementation(async (start: number, count: number) => ({
      ...many,
      startIndex: start,
      resources: many.resources.slice(start - 1, start - 1 + count),
      mappings: many.mappings!.slice(start - 1, start - 1 + count),
      idps: many.idps!.slice(start - 1, start - 1 + count),
    }));
    window.location.hash = "#/users?q=m";
    render(<Routed />);
    await waitFor(() => expect(screen.getByTestId("users-count").textContent).toBe("5,000 of 5,000 match"));
    expect(loaded()).toBe(PAGE); // a page, the rest as the list scrolls
    let ids = rendered();
    expect(ids.length).toBeLessThanOrEqual(MAX_RENDERED);
    expect(ids[0]).toBe("m0");
    expect(ids).not.toContain(`m${PAGE - 1}`);

    // the layout jsdom lacks: a 720 px screen over the rows loaded
    const wrap = screen.getByLabelText("users; arrow keys move, Enter opens");
    Object.defineProperty(wrap, "clientHeight", { configurable: true, value: 720 });
    Object.defineProperty(wrap, "scrollHeight", { configurable: true, get: () => loaded() * USER_ROW_HEIGHT });

    // scroll to row 150: it is rendered, the first ones are not, and spacers keep the height
    scrollWrap(150 * USER_ROW_HEIGHT);
    await waitFor(() => expect(rendered()).toContain("m150"));
    ids = rendered();
    expect(ids).not.toContain("m0");
    expect(ids.length).toBeLessThanOrEqual(MAX_RENDERED);
    const rows = screen.getAllByTestId("user-row");
    expect(rows[0].getAttribute("aria-rowindex")).toBe(String(150 - 10 + 2));
    const spacers = wrap.querySelectorAll<HTMLElement>("tr.users-spacer");
    expect(spacers).toHaveLength(2);
    expect(spacers[0].style.height).toBe(`${140 * USER_ROW_HEIGHT}px`);
    const after = 150 + SCREENFUL + 10;
    expect(spacers[1].style.height).toBe(`${(PAGE - after) * USER_ROW_HEIGHT}px`);

    expect(users).not.toHaveBeenCalledWith(PAGE + 1, PAGE, { q: "m", ...ORDER });

    // near the end of what is loaded: the next page comes, and its rows can be scrolled to
    scrollWrap(PAGE * USER_ROW_HEIGHT - 720);
    await waitFor(() => expect(loaded()).toBe(2 * PAGE));
    scrollWrap(350 * USER_ROW_HEIGHT);
    await waitFor(() => expect(rendered()).toContain("m350"));
    expect(screen.getAllByTestId("user-row").length).toBeLessThanOrEqual(MAX_RENDERED);
  });

  it("keeps the row selected with the keyboard in view and rendered, and a new query back at the top", async () => {
    users.mockImplementation(async (_start: number, count: number, q: UserQuery = {}) =>
      count === 0 ? totalOnly(450) : q.idp === "okta" ? bulkPage("okta", 50, 50, "okta") : bulkPage("k", PAGE, 450),
    );
    render(<Routed />);
    await waitFor(() => expect(loaded()).toBe(PAGE));
    const wrap = screen.getByLabelText("users; arrow keys move, Enter opens");
    for (let i = 0; i < 40; i++) fireEvent.keyDown(wrap, { key: "ArrowDown" });
    // row 40 ends at the bottom edge of the (assumed) 720 px screen
    await waitFor(() => expect(wrap.scrollTop).toBe(41 * USER_ROW_HEIGHT - 720));
    const selected = screen.getAllByTestId("user-row").filter((r) => r.getAttribute("aria-selected") === "true");
    expect(selected.map((r) => r.getAttribute("data-id"))).toEqual(["k40"]);
    expect(rendered()).not.toContain("k0");
    for (let i = 0; i < 40; i++) fireEvent.keyDown(wrap, { key: "ArrowUp" });
    await waitFor(() => expect(wrap.scrollTop).toBe(0));
    expect(rendered()[0]).toBe("k0");

    for (let i = 0; i < 30; i++) fireEvent.keyDown(wrap, { key: "ArrowDown" });
    await waitFor(() => expect(wrap.scrollTop).toBeGreaterThan(0));
    fireEvent.change(screen.getByLabelText("IdP"), { target: { value: "okta" } });
    await waitFor(() => expect(loaded()).toBe(50));
    expect(wrap.scrollTop).toBe(0);
    expect(rendered()[0]).toBe("okta0");
    fireEvent.keyDown(wrap, { key: "Enter" });
    expect(window.location.hash).toBe("#/users/okta0");
  });
});
