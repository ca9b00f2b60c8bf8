import type { Profile } from "../core/state.js";
import type { Messages } from "../knowledge/schema.js";

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** A profile value as a student reads it: "not_taken" → "not taken", "2027-03" → "March 2027", "sri_lanka" → "Sri Lanka". */
export function formatValue(value: unknown, key?: string): string {
  const text = String(value);
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) return `${MONTH_NAMES[Number(month[2]) - 1] ?? month[2]} ${month[1]}`;
  const plain = text.replace(/_/g, " ");
  return key === "country" ? plain.replace(/\b[a-z]/g, (c) => c.toUpperCase()) : plain;
}

/** The profile fields that have values, as "Label: value" pairs, in the label table's order. */
export function profileLines(profile: Partial<Profile>, messages: Messages): string[] {
  return Object.entries(messages.profile_labels)
    .filter(([key]) => profile[key] !== undefined && profile[key] !== null && profile[key] !== "")
    .map(([key, label]) => `${label}: ${formatValue(profile[key], key)}`);
}

/** The `/profile` answer. */
export function formatProfile(profile: Profile, messages: Messages): string {
  const lines = profileLines(profile, messages);
  return lines.length === 0 ? messages.profile_empty : `${messages.profile_header}\n${lines.map((l) => `- ${l}`).join("\n")}`;
}
