import { TZDate } from "@date-fns/tz";

/**
 * When counselors answer: weekly windows in the agency's time zone, parsed
 * from `OFFICE_HOURS` ("Mon-Fri 09:00-18:00", "Mon-Thu 09:00-17:00, Fri 09:00-13:00").
 * Computed with @date-fns/tz, so daylight-saving changes land on the right hour.
 */
export interface OfficeHours {
  /** The setting as written, shown to students. */
  spec: string;
  timeZone: string;
  /** Day 0 = Sunday; minutes after local midnight, open <= t < close. */
  windows: { day: number; open: number; close: number }[];
}

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Parses OFFICE_HOURS; returns a message naming the problem when it cannot. */
export function parseOfficeHours(spec: string, timeZone: string): OfficeHours | string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone }).format(0);
  } catch {
    return `OFFICE_TIMEZONE: "${timeZone}" is not a time zone; write an IANA name such as America/New_York`;
  }
  const windows: OfficeHours["windows"] = [];
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]{3})(?:\s*-\s*([A-Za-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(part);
    const first = m ? DAYS.indexOf((m[1] as string).toLowerCase()) : -1;
    const last = m?.[2] ? DAYS.indexOf(m[2].toLowerCase()) : first;
    const open = m ? Number(m[3]) * 60 + Number(m[4]) : 0;
    const close = m ? Number(m[5]) * 60 + Number(m[6]) : 0;
    if (!m || first < 0 || last < 0 || open >= close || close > 24 * 60 || Number(m[4]) > 59 || Number(m[6]) > 59) {
      return `OFFICE_HOURS: "${part}" is not understood; write days and hours such as Mon-Fri 09:00-18:00 (several separated by commas)`;
    }
    for (let d = first; ; d = (d + 1) % 7) {
      windows.push({ day: d, open, close });
      if (d === last) break;
    }
  }
  if (windows.length === 0) return "OFFICE_HOURS: empty; write days and hours such as Mon-Fri 09:00-18:00";
  return { spec, timeZone, windows };
}

/** Whether counselors are in at `at`. */
export function isOpen(hours: OfficeHours, at: Date): boolean {
  const local = new TZDate(at.getTime(), hours.timeZone);
  const minute = local.getHours() * 60 + local.getMinutes();
  return hours.windows.some((w) => w.day === local.getDay() && minute >= w.open && minute < w.close);
}

/** The next time counselors are in, at or after `at` (`at` itself when open). */
export function nextOpening(hours: OfficeHours, at: Date): Date {
  if (isOpen(hours, at)) return at;
  const local = new TZDate(at.getTime(), hours.timeZone);
  let best: number | undefined;
  for (let offset = 0; offset <= 7; offset++) {
    const day = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + offset, hours.timeZone);
    for (const w of hours.windows) {
      if (w.day !== day.getDay()) continue;
      const opens = new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), Math.floor(w.open / 60), w.open % 60, hours.timeZone).getTime();
      if (opens > at.getTime() && (best === undefined || opens < best)) best = opens;
    }
    if (best !== undefined) break;
  }
  return new Date(best ?? at.getTime());
}

/** "Monday, 9:00 AM EST": how a student reads an opening time. */
export function formatOpening(hours: OfficeHours, at: Date): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: hours.timeZone, weekday: "long", hour: "numeric", minute: "2-digit", timeZoneName: "short" }).format(at);
}
