//! The workspace switcher at the top of the sidebar: the current workspace's name and tenant
//! URL, and a menu of every workspace (name, tenant URL, counts, a live dot lit while exchanges
//! arrive there) with New workspace…, Import…, and Rename… / Export… / Delete… for the current
//! one. Choosing a workspace switches the whole UI to it (state/engine.tsx). It owns the menu
//! and which dialog is open; the dialogs are their own files. Keyboard: Enter / Space / ↓ open
//! it, ↑ / ↓ / Home / End move, Enter chooses, Escape closes.

import { Fragment, useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { WorkspaceInfo } from "../../generated";
import { DEFAULT_WORKSPACE } from "../../platform";
import { useEngine } from "../../state/engine";
import { href, navigate, parseRoute } from "../../state/route";
import { useWorkspaces } from "../../state/workspaces";
import { count } from "../../format";
import { CreateWorkspaceDialog } from "./CreateWorkspaceDialog";
import { DeleteWorkspaceDialog } from "./DeleteWorkspaceDialog";
import { ExportWorkspaceDialog } from "./ExportWorkspaceDialog";
import { ImportWorkspaceDialog } from "./ImportWorkspaceDialog";
import { RenameWorkspaceDialog } from "./RenameWorkspaceDialog";
import "./workspaces.css";

type Dialog = "create" | "import" | "rename" | "export" | "delete";

/** A tenant URL without its scheme (the sidebar is narrow). */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, "");
}

/** A URL that wraps after its slashes rather than anywhere. */
function Url({ url }: { url: string }) {
  const parts = shortUrl(url).split("/");
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </Fragment>
      ))}
    </>
  );
}

/** "3 users · 120 exchanges" (groups only when there are some). */
export function countsOf(w: WorkspaceInfo): string {
  const parts = [`${count(w.users)} ${w.users === 1 ? "user" : "users"}`];
  if (w.groups > 0) parts.push(`${count(w.groups)} ${w.groups === 1 ? "group" : "groups"}`);
  parts.push(`${count(w.exchanges)} ${w.exchanges === 1 ? "exchange" : "exchanges"}`);
  return parts.join(" · ");
}

export function WorkspaceSwitcher() {
  const { ready, down, workspace, switchWorkspace } = useEngine();
  const { list, current, active, reload } = useWorkspaces();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  // the menu drops below the button and must end above the window's bottom edge
  const [maxHeight, setMaxHeight] = useState<number | undefined>(undefined);
  const trigger = useRef<HTMLButtonElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const focusOnOpen = useRef<"current" | "last">("current");
  const menuId = useId();

  const disabled = !ready || down;
  const elsewhere = [...active].some((s) => s !== workspace.slug);
  const name = current?.name ?? (workspace.slug === DEFAULT_WORKSPACE ? "Default" : workspace.slug);
  const tenantUrl = current?.tenantUrl ?? "";

  useEffect(() => {
    if (disabled) setOpen(false);
  }, [disabled]);

  useEffect(() => {
    if (!open) return;
    const below = trigger.current?.getBoundingClientRect().bottom;
    if (below !== undefined && window.innerHeight > 0) setMaxHeight(Math.max(160, window.innerHeight - below - 12));
    void reload();
    const items = menuItems();
    const at = focusOnOpen.current === "last" ? items[items.length - 1] : (menu.current?.querySelector<HTMLElement>('[aria-checked="true"]') ?? items[0]);
    at?.focus();
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
    // reload is stable; the menu is read once it rendered
  }, [open, reload]);

  const menuItems = () => Array.from(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? []);

  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };

  const choose = (w: WorkspaceInfo) => {
    close();
    if (w.slug === workspace.slug) return;
    // an id in the route (an exchange, a user) belongs to the workspace left
    const route = parseRoute(window.location.hash);
    if (route.param) window.location.hash = href(route.screen);
    switchWorkspace({ slug: w.slug, apiBase: w.apiBase });
  };

  const ask = (d: Dialog) => {
    setOpen(false);
    setDialog(d);
  };

  const onTriggerKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (disabled) return;
      focusOnOpen.current = e.key === "ArrowUp" ? "last" : "current";
      setOpen(true);
    }
  };

  const onMenuKey = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    const items = menuItems();
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = { ArrowDown: (at + 1) % items.length, ArrowUp: (at - 1 + items.length) % items.length, Home: 0, End: items.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    items[next]?.focus();
  };

  const isDefault = workspace.slug === DEFAULT_WORKSPACE;
  const action = (d: Dialog, label: string, extra: { disabledWhy?: string; danger?: boolean } = {}) => (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className={extra.danger ? "ws-danger" : undefined}
      aria-disabled={extra.disabledWhy ? true : undefined}
      title={extra.disabledWhy}
      data-testid={`workspace-${d}`}
      onClick={() => (extra.disabledWhy ? undefined : ask(d))}
    >
      {label}
    </button>
  );

  return (
    <div
      className="ws-switcher"
      ref={wrap}
      onBlur={(e) => {
        const to = e.relatedTarget as Node | null;
        if (open && to && !wrap.current?.contains(to)) setOpen(false);
      }}
    >
      <button
        ref={trigger}
        type="button"
        className="ws-trigger"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={`Workspace: ${name}. Switch workspace`}
        disabled={disabled}
        title={tenantUrl ? `${name}: ${tenantUrl}` : name}
        onClick={() => {
          focusOnOpen.current = "current";
          setOpen(!open);
        }}
        onKeyDown={onTriggerKey}
        data-testid="workspace-switcher"
        data-slug={workspace.slug}
      >
        <span className="ws-trigger-label">Workspace</span>
        <span className="ws-trigger-name" data-testid="workspace-current-name">
          {name}
        </span>
        <span className="ws-trigger-url mono" data-testid="workspace-current-url">
          <Url url={tenantUrl} />
        </span>
        <span className="ws-caret" aria-hidden="true">
          ▾
        </span>
        {elsewhere ? <span className="ws-dot lit ws-elsewhere" title="exchanges arriving in another workspace" data-testid="workspace-elsewhere" /> : null}
      </button>
      {open ? (
        <div
          className="ws-pop"
          ref={menu}
          role="menu"
          id={menuId}
          aria-label="workspaces"
          style={maxHeight ? { maxHeight } : undefined}
          onKeyDown={onMenuKey}
          data-testid="workspace-menu"
        >
          <div className="ws-list" role="group" aria-label="switch to">
            {(list ?? []).map((w) => {
              const lit = active.has(w.slug);
              return (
                <button
                  key={w.slug}
                  type="button"
                  role="menuitemradio"
                  tabIndex={-1}
                  aria-checked={w.slug === workspace.slug}
                  className="ws-item"
                  onClick={() => choose(w)}
                  data-testid="workspace-item"
                  data-slug={w.slug}
                  title={w.publicTenantUrl ? `public: ${w.publicTenantUrl}` : undefined}
                >
                  <span
                    className={`ws-dot${lit ? " lit" : ""}`}
                    data-testid="workspace-dot"
                    data-lit={lit ? "true" : "false"}
                    title={lit ? "exchanges arriving now" : undefined}
                  />
                  <span className="ws-item-text">
                    <span className="ws-item-name">
                      {w.name}
                      {w.slug === workspace.slug ? <span className="ws-check" aria-hidden="true">✓</span> : null}
                    </span>
                    <span className="ws-item-url mono" data-testid="workspace-item-url">
                      <Url url={w.tenantUrl} />
                    </span>
                    <span className="ws-item-counts">{countsOf(w)}</span>
                  </span>
                </button>
              );
            })}
            {list === null ? <div className="ws-loading muted">loading…</div> : null}
          </div>
          <div className="ws-actions" role="group" aria-label="workspaces">
            {action("create", "New workspace…")}
            {action("import", "Import a .scimlab file…")}
          </div>
          <div className="ws-actions" role="group" aria-label={`this workspace: ${name}`}>
            <div className="ws-group-title" aria-hidden="true">
              {name}
            </div>
            {action("rename", "Rename…")}
            {action("export", "Export…")}
            {action("delete", "Delete…", {
              danger: true,
              disabledWhy: isDefault ? "the default workspace cannot be deleted: reset its data in Settings instead" : undefined,
            })}
          </div>
        </div>
      ) : null}

      {dialog === "create" ? (
        <CreateWorkspaceDialog
          workspaces={list ?? []}
          onCancel={() => setDialog(null)}
          onCreated={(w) => {
            setDialog(null);
            switchWorkspace({ slug: w.slug, apiBase: w.apiBase });
            navigate("connect");
          }}
        />
      ) : null}
      {dialog === "import" ? (
        <ImportWorkspaceDialog
          onCancel={() => setDialog(null)}
          onImported={(w) => {
            setDialog(null);
            switchWorkspace({ slug: w.slug, apiBase: w.apiBase });
          }}
        />
      ) : null}
      {dialog === "rename" && current ? (
        <RenameWorkspaceDialog
          workspace={current}
          onCancel={() => setDialog(null)}
          onRenamed={() => {
            setDialog(null);
            void reload();
          }}
        />
      ) : null}
      {dialog === "export" && current ? <ExportWorkspaceDialog workspace={current} onClose={() => setDialog(null)} /> : null}
      {dialog === "delete" && current && !isDefault ? (
        <DeleteWorkspaceDialog
          workspace={current}
          onCancel={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            const fallback = list?.find((w) => w.slug === DEFAULT_WORKSPACE);
            switchWorkspace({ slug: DEFAULT_WORKSPACE, apiBase: fallback?.apiBase ?? "/api" });
          }}
        />
      ) : null}
    </div>
  );
}
