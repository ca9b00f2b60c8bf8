import { InvalidArgumentError } from "commander";

/** Parses a whole number ≥ 1 for a CLI option, or stops with a message naming the option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}
