//! Hash routing (`#/traffic/812`): screens survive a reload, links can be copied between
//! windows, and there is no server-side routing to configure in either host.

import { useEffect, useState } from "react";

/** The screens of the app. */
export type Screen = "connect" | "traffic" | "users" | "roles" | "checklist" | "faults" | "settings";

export const SCREENS: Screen[] = ["connect", "traffic", "users", "roles", "checklist", "faults", "settings"];

/** A parsed location: the screen, an optional id after it, and query parameters. */
export interface Route {
  screen: Screen;
  param: string | null;
  params: URLSearchParams;
}

/** Parse `#/users/abc?x=1`. Unknown screens land on Connect. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [pathPart, queryPart = ""] = raw.split("?", 2);
  const [first = "", ...rest] = pathPart.split("/");
  const screen = (SCREENS as string[]).includes(first) ? (first as Screen) : "connect";
  const param = rest.length > 0 && rest[0] !== "" ? decodeURIComponent(rest.join("/")) : null;
  return { screen, param, params: new URLSearchParams(queryPart) };
}

/** The hash for a screen, id and query. */
export function href(screen: Screen, param?: string | number | null, params?: Record<string, string>): string {
  let h = `#/${screen}`;
  if (param !== undefined && param !== null && param !== "") h += `/${encodeURIComponent(String(param))}`;
  const q = params ? new URLSearchParams(params).toString() : "";
  return q ? `${h}?${q}` : h;
}

/** Go to a screen. */
export function navigate(screen: Screen, param?: string | number | null, params?: Record<string, string>): void {
  window.location.hash = href(screen, param, params);
}

/** The current route, updated on hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
