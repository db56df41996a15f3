import { describe, expect, it } from "vitest";
import { addLive, counterText, tallyOf } from "./totals";

const rows = (...ids: number[]) => ids.map((id) => ({ id }));

describe("totals", () => {
  it("takes the true total of the first page, not the rows loaded", () => {
    expect(tallyOf({ items: rows(5450, 5449), total: 5450 } as never)).toEqual({ total: 5450, top: 5450 });
    expect(tallyOf({ items: [], total: 0 } as never)).toEqual({ total: 0, top: 0 });
    expect(tallyOf({ items: rows(3), total: null } as never)).toBeNull();
  });

  it("counts live rows newer than the newest counted, once each", () => {
    const t = { total: 5450, top: 5450 };
    expect(addLive(t, rows(5452, 5451))).toEqual({ total: 5452, top: 5452 });
    // a fold that grew keeps its (old) id: nothing to add
    expect(addLive(t, rows(5440))).toBe(t);
    expect(addLive(null, rows(1))).toBeNull();
    expect(addLive({ total: 0, top: 0 }, rows(1))).toEqual({ total: 1, top: 1 });
  });

  it("writes the count the one way numbers are written", () => {
    expect(counterText({ total: 5450, top: 1 }, null, false, 500, true)).toBe("5,450 exchanges");
    expect(counterText({ total: 1, top: 1 }, null, false, 1, false)).toBe("1 exchange");
    expect(counterText({ total: 312, top: 1 }, { total: 5450, top: 1 }, true, 312, false)).toBe("312 of 5,450 exchanges");
    expect(counterText({ total: 312, top: 1 }, null, true, 312, false)).toBe("312 exchanges");
    expect(counterText(null, null, false, 500, true)).toBe("500+ exchanges");
  });
});
