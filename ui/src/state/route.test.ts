//! Hash routes: screens, ids (encoded), query parameters, unknown screens.
import { href, parseRoute } from "./route";

test("a route round-trips through href and parseRoute", () => {
  const h = href("users", "a/b c", { x: "1" });
  expect(h).toBe("#/users/a%2Fb%20c?x=1");
  const r = parseRoute(h);
  expect(r.screen).toBe("users");
  expect(r.param).toBe("a/b c");
  expect(r.params.get("x")).toBe("1");
});

test("screens without an id, with a query, and unknown ones", () => {
  expect(parseRoute("#/traffic?idp=okta&status=4xx").params.get("status")).toBe("4xx");
  expect(parseRoute("#/traffic").param).toBeNull();
  expect(parseRoute("#/nope/1").screen).toBe("connect");
  expect(parseRoute("").screen).toBe("connect");
  expect(parseRoute("#/checklist/okta").param).toBe("okta");
  expect(href("traffic", null)).toBe("#/traffic");
});
