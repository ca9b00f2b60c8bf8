import { describe, expect, it } from "vitest";
import { formatOpening, isOpen, nextOpening, parseOfficeHours, type OfficeHours } from "../../src/leads/office-hours.js";

const hours = parseOfficeHours("Mon-Fri 09:00-18:00, Sat 10:00-13:00", "America/New_York") as OfficeHours;

describe("office hours", () => {
  it("parses days and hours, and says what is wrong otherwise", () => {
    expect(hours.windows).toHaveLength(6);
    expect(parseOfficeHours("Mon-Fri 9-5", "America/New_York")).toMatch(/OFFICE_HOURS: "Mon-Fri 9-5" is not understood/);
    expect(parseOfficeHours("Mon-Fri 18:00-09:00", "UTC")).toMatch(/not understood/);
    expect(parseOfficeHours("Mon-Fri 09:00-18:00", "Mars/Olympus")).toMatch(/OFFICE_TIMEZONE/);
    expect((parseOfficeHours("Fri-Mon 10:00-12:00", "UTC") as OfficeHours).windows.map((w) => w.day)).toEqual([5, 6, 0, 1]);
  });

  it("is open on a weekday afternoon in New York, closed at night and on Sunday", () => {
    expect(isOpen(hours, new Date("2026-11-23T15:00:00Z"))).toBe(true); // Monday 10:00 EST
    expect(isOpen(hours, new Date("2026-11-24T03:00:00Z"))).toBe(false); // Monday 22:00 EST
    expect(isOpen(hours, new Date("2026-11-22T16:00:00Z"))).toBe(false); // Sunday
  });

  it("finds the next opening across the night and the weekend, in the office's zone", () => {
    expect(nextOpening(hours, new Date("2026-11-24T03:00:00Z")).toISOString()).toBe("2026-11-24T14:00:00.000Z"); // Tue 09:00 EST
    expect(nextOpening(hours, new Date("2026-11-21T19:00:00Z")).toISOString()).toBe("2026-11-23T14:00:00.000Z"); // Sat 14:00 → Mon 09:00
    expect(nextOpening(hours, new Date("2026-11-23T15:00:00Z")).toISOString()).toBe("2026-11-23T15:00:00.000Z"); // open now
    expect(formatOpening(hours, new Date("2026-11-23T14:00:00Z"))).toMatch(/^Monday,? 9:00\s?AM EST$/u);
  });

  it("follows daylight saving time", () => {
    // Sunday 8 March 2026, 03:00 EDT → Monday 9 March 09:00 EDT = 13:00 UTC.
    expect(nextOpening(hours, new Date("2026-03-08T12:00:00Z")).toISOString()).toBe("2026-03-09T13:00:00.000Z");
  });
});
