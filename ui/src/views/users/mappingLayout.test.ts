//! Tests of the mapping's layout choice (table only where it fits without breaking words) and of where paths may break.

import { describe, expect, it } from "vitest";
import { breakPoints, layoutFor, NARROW_PX, overflows } from "./mappingLayout";

describe("layoutFor", () => {
  it("is a table before anything is measured and when the table fits", () => {
    expect(layoutFor(0, null)).toBe("table");
    expect(layoutFor(1000, null)).toBe("table");
    expect(layoutFor(1000, 900)).toBe("table");
  });
  it("is cards below the narrow width, and where the table measured wider than its space", () => {
    expect(layoutFor(NARROW_PX - 1, null)).toBe("cards");
    expect(layoutFor(780, 910)).toBe("cards");
  });
  it("counts a table as overflowing only past a rounding pixel", () => {
    expect(overflows(910, 780)).toBe(true);
    expect(overflows(781, 780)).toBe(false);
    expect(overflows(910, 0)).toBe(false);
  });
});

describe("breakPoints", () => {
  it("cuts a URN at its colons and dots, and a filter before its bracket, losing nothing", () => {
    const urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeType";
    const parts = breakPoints(urn);
    expect(parts.join("")).toBe(urn);
    expect(parts[0]).toBe("urn:");
    expect(parts[parts.length - 1]).toBe("employeeType");
    expect(breakPoints('emails[type eq "work"].value')).toEqual(["emails", '[type eq "work"].', "value"]);
    expect(breakPoints('["Admin","Member"]')).toEqual(['["Admin",', '"Member"]']);
    expect(breakPoints("userName")).toEqual(["userName"]);
  });
});
