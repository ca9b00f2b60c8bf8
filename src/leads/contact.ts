import { getCountries, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { z } from "zod";
import { said } from "./phrases.js";

/**
 * Reading the contact a student types: an email address (zod's email check)
 * or a phone number, normalised to E.164 with libphonenumber-js (full
 * metadata, so that validity is checked per country, not only by length).
 */
export type ContactAnswer =
  | { kind: "email"; value: string }
  | { kind: "phone"; value: string }
  /** A national number with no country code, and no country to read it in: ask for the country. */
  | { kind: "needs_country"; digits: string }
  | { kind: "invalid_email" }
  | { kind: "invalid" };

const email = z.email();
const EMAIL_LIKE = /[^\s<>()[\],;:"']+@[^\s<>()[\],;:"']+/;
/** A run of characters a phone number is written with, starting with + or a digit. */
const PHONE_LIKE = /(?:\+|\b)\d[\d\s().-]{4,}\d/;
const MIN_DIGITS = 6;
const MAX_DIGITS = 15;

export function parseContact(text: string, defaultCountry?: CountryCode): ContactAnswer {
  const at = EMAIL_LIKE.exec(text)?.[0];
  if (at) {
    const value = at.replace(/[.!?]+$/, "");
    return email.safeParse(value).success ? { kind: "email", value } : { kind: "invalid_email" };
  }
  if (text.includes("@")) return { kind: "invalid_email" };
  const written = PHONE_LIKE.exec(text)?.[0];
  if (!written) return { kind: "invalid" };
  const international = written.trim().replace(/^00/, "+");
  const digits = international.replace(/\D/g, "");
  if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) return { kind: "invalid" };
  if (international.startsWith("+")) {
    const phone = parsePhoneNumberFromString(international);
    return phone?.isValid() ? { kind: "phone", value: phone.number } : { kind: "invalid" };
  }
  if (defaultCountry) {
    const phone = parsePhoneNumberFromString(digits, defaultCountry);
    if (phone?.isValid()) return { kind: "phone", value: phone.number };
  }
  return { kind: "needs_country", digits };
}

/**
 * A national number read in the country the student names: a calling code
 * ("+91", "0044"), an ISO code ("IN", "UK") or the country's English name
 * ("India"). A whole international number (starting with +) also does.
 * Null when the country is unknown or the number is not valid there.
 */
export function phoneInCountry(digits: string, answer: string): string | null {
  const whole = parseContact(answer);
  if (whole.kind === "phone") return whole.value;
  const code = /^\s*(?:\+|00)?\s*(\d{1,4})\s*$/.exec(answer)?.[1];
  if (code) {
    const phone = parsePhoneNumberFromString(digits, { defaultCallingCode: code });
    return phone?.isValid() ? phone.number : null;
  }
  const country = countryNamed(answer);
  if (!country) return null;
  const phone = parsePhoneNumberFromString(digits, country);
  return phone?.isValid() ? phone.number : null;
}

/** The country of an international number, such as a WhatsApp sender id ("919876543210"). */
export function countryOfNumber(number: string): CountryCode | undefined {
  return parsePhoneNumberFromString(number.startsWith("+") ? number : `+${number}`)?.country;
}

const ALIASES: Record<string, CountryCode> = { uk: "GB", "united kingdom": "GB", england: "GB", usa: "US", us: "US", america: "US", uae: "AE" };
let byName: Map<string, CountryCode> | undefined;

/** A country named by the student, by ISO code or English name (Node's Intl region names). */
export function countryNamed(text: string): CountryCode | undefined {
  const s = said(text);
  if (!s) return undefined;
  if (ALIASES[s]) return ALIASES[s];
  const iso = s.toUpperCase();
  if (s.length === 2 && (getCountries() as string[]).includes(iso)) return iso as CountryCode;
  if (!byName) {
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    byName = new Map(getCountries().map((c) => [said(names.of(c) ?? c), c]));
  }
  return byName.get(s);
}
