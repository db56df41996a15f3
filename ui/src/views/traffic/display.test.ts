import { describe, expect, it } from "vitest";
import { decodeComponent, idpShort, titleWithoutSummary, looksLikeId, pathParts, queryParams, quirkCount, readableQuery, shortId, shortPath, statusClass } from "./display";

describe("decoding queries", () => {
  it("decodes a percent-encoded SCIM filter to its bare expression", () => {
    expect(readableQuery("filter=userName%20eq%20%22a%40b%22")).toBe('userName eq "a@b"');
  });

  it("reads + as a space, as the engine does (Entra's plus-encoded filters)", () => {
    expect(readableQuery("filter=userName+eq+%22ada.clarke3%40contoso.example%22")).toBe('userName eq "ada.clarke3@contoso.example"');
    expect(decodeComponent("a%2Bb")).toBe("a+b");
  });

  it("puts the filter first and keeps the other parameters as name=value", () => {
    expect(readableQuery("excludedAttributes=members&filter=displayName+eq+%22ScimLab+Finance%22")).toBe(
      'displayName eq "ScimLab Finance" · excludedAttributes=members',
    );
    expect(readableQuery("startIndex=1&count=100&attributes")).toBe("startIndex=1 · count=100 · attributes");
    expect(readableQuery("")).toBe("");
    expect(readableQuery("?filter=x")).toBe("x");
  });

  it("keeps a malformed escape as sent and decodes the rest", () => {
    expect(decodeComponent("100%25%20sure%")).toBe("100% sure%");
    expect(decodeComponent("bad%E0%A4%A%20ok")).toBe("bad%E0%A4%A ok");
  });

  it("lists parameters decoded, bare names with a null value", () => {
    expect(queryParams("a=1&b&c=x%20y")).toEqual([
      { name: "a", value: "1" },
      { name: "b", value: null },
      { name: "c", value: "x y" },
    ]);
  });
});

describe("ids", () => {
  it("cuts a long id in the middle and leaves short ones whole", () => {
    expect(shortId("2819c223-7f76-453a-919d-413861904646")).toBe("2819c223…4646");
    expect(shortId("2819c223-7f76-453a-919d-41386190a5d0")).toBe("2819c223…a5d0");
    expect(shortId("u2")).toBe("u2");
    expect(shortId("123456789012345")).toBe("123456789012345");
  });

  it("tells ids from names in a path", () => {
    expect(looksLikeId("794df256-f401-443f-937c-1dfabf7c3ac1")).toBe(true);
    expect(looksLikeId("Users")).toBe(false);
    expect(looksLikeId("ServiceProviderConfig")).toBe(false);
    expect(looksLikeId("u2")).toBe(false);
  });

  it("splits a path so its ids can carry their full value", () => {
    expect(pathParts("/scim/v2/Users/794df256-f401-443f-937c-1dfabf7c3ac1")).toEqual([
      { text: "/scim/v2/Users/" },
      { text: "794df256…3ac1", id: "794df256-f401-443f-937c-1dfabf7c3ac1" },
    ]);
    expect(shortPath("/scim/v2/Users")).toBe("/scim/v2/Users");
  });

  it("elides the tenant base only when the path is under it (a wrong base stays whole)", () => {
    expect(shortPath("/scim/v2/Users/794df256-f401-443f-937c-1dfabf7c3ac1", true)).toBe("…/Users/794df256…3ac1");
    expect(shortPath("/scim/Users", true)).toBe("/scim/Users");
    expect(shortPath("/scim/v2", true)).toBe("/scim/v2");
    expect(shortPath("/Users", true)).toBe("/Users");
  });
});

describe("labels", () => {
  it("classes statuses for colour", () => {
    expect([200, 201, 204, 304, 400, 401, 404, 409, 500, 503].map(statusClass)).toEqual([
      "s2xx", "s2xx", "s2xx", "s3xx", "s4xx", "s4xx", "s4xx", "s4xx", "s5xx", "s5xx",
    ]);
  });

  it("writes the IdP short and the quirk count in words", () => {
    expect(idpShort("entra")).toBe("Entra");
    expect(idpShort("okta")).toBe("Okta");
    expect(quirkCount(1)).toBe("1 quirk");
    expect(quirkCount(2)).toBe("2 quirks");
  });
});

describe("the failure title", () => {
  const summary = "PATCH `op` written with capitals (`Replace`, `Add`, `Remove`) as Entra ID sends by default.";
  it("drops the quirk explanation the banner shows beside the quirk", () => {
    expect(titleWithoutSummary(`strict mode refused entra.capitalized-op: ${summary}`, summary)).toBe("strict mode refused entra.capitalized-op");
  });
  it("keeps any other title whole", () => {
    expect(titleWithoutSummary("the key sent is not this endpoint's SCIM key", summary)).toBe("the key sent is not this endpoint's SCIM key");
    expect(titleWithoutSummary(`strict mode refused x: ${summary}`, undefined)).toBe(`strict mode refused x: ${summary}`);
    expect(titleWithoutSummary(summary, summary)).toBe(summary);
  });
});
