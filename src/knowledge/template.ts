/** Fills `{slot}` placeholders of a message template from `_messages.yaml`. */
export function fill(template: string, slots: Record<string, string | number>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in slots ? String(slots[name]) : whole));
}

/** Whole US dollars, grouped: 1500 → "$1,500". */
export function usd(amount: number): string {
  return `$${Math.round(amount).toLocaleString("en-US")}`;
}
