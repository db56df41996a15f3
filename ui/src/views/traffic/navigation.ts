//! Moving around the Traffic screen goes through the URL: the open exchange and the filters
//! live in `#/traffic[/id]?filters`, so every view is a shareable link.

import { href } from "../../state/route";
import { filtersToParams, type Filters } from "./filters";

/** Go to `#/traffic[/id]?filters`; `replace` keeps keyboard browsing out of the history. */
export function goToTraffic(id: number | null, f: Filters, replace = false) {
  const h = href("traffic", id, filtersToParams(f));
  if (replace) {
    window.history.replaceState(window.history.state, "", h);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    window.location.hash = h;
  }
}
