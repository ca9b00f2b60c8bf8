import type { Profile } from "../core/state.js";
import type { Messages } from "../knowledge/schema.js";

/** A profile value as a student reads it: "not_taken" → "not taken". */
export function formatValue(value: unknown): string {
  return String(value).replace(/_/g, " ");
}

/** The profile fields that have values, as "Label: value" pairs, in the label table's order. */
export function profileLines(profile: Partial<Profile>, messages: Messages): string[] {
  return Object.entries(messages.profile_labels)
    .filter(([key]) => profile[key] !== undefined && profile[key] !== null && profile[key] !== "")
    .map(([key, label]) => `${label}: ${formatValue(profile[key])}`);
}

/** The `/profile` answer. */
export function formatProfile(profile: Profile, messages: Messages): string {
  const lines = profileLines(profile, messages);
  return lines.length === 0 ? messages.profile_empty : `${messages.profile_header}\n${lines.map((l) => `- ${l}`).join("\n")}`;
}
