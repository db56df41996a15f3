//! The shared formatting: IdP names as their makers write them, the one number format, times.
import { clock, count, dateTime, idpName, latency, timeOfDay } from "./format";

test("IdPs are named as their makers write them", () => {
  expect(idpName("entra")).toBe("Entra ID");
  expect(idpName("okta")).toBe("Okta");
  expect(idpName("other")).toBe("another client");
  expect(idpName("something-new")).toBe("another client");
  expect(idpName(null)).toBe("another client");
  for (const idp of ["entra", "okta"]) expect(idpName(idp)).not.toMatch(/^(entra|okta)/);
});

test("counts group thousands with commas and drop fractions", () => {
  expect(count(0)).toBe("0");
  expect(count(12)).toBe("12");
  expect(count(5450)).toBe("5,450");
  expect(count(1000000)).toBe("1,000,000");
  expect(count(1234.6)).toBe("1,235");
  expect(count(-2500)).toBe("-2,500");
  expect(count(Number.NaN)).toBe("NaN");
});

test("times of day and latencies", () => {
  const d = new Date(2026, 10, 28, 7, 2, 3, 45);
  expect(timeOfDay(d)).toBe("07:02:03");
  expect(timeOfDay(d.getTime())).toBe("07:02:03");
  expect(timeOfDay(Number.NaN)).toBe("--:--:--");
  expect(clock(d.toISOString())).toBe("07:02:03.045");
  expect(latency(1.44)).toBe("1.4 ms");
  expect(latency(120.4)).toBe("120 ms");
  expect(latency(2300)).toBe("2.3 s");
});

test("dateTime writes the day as toLocaleDateString does, then the time", () => {
  const at = "2026-11-28T17:02:03.123Z";
  const d = new Date(at);
  expect(dateTime(at)).toBe(`${d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })} ${clock(at).slice(0, 8)}`);
  expect(dateTime("not a date")).toBe("not a date");
});
