import { describe, expect, it } from "vitest";
import { cleanInput } from "../../src/nlu/text.js";

describe("cleaning what a student sends", () => {
  it("trims and folds runs of spaces", () => {
    expect(cleanInput("  how   much?  ", 100)).toEqual({ text: "how much?", truncated: false, originalLength: 9 });
  });

  it("removes control characters and invisible characters", () => {
    expect(cleanInput("a\u0000b\u0007c\u200Bd\u202Ee\uFEFF", 100).text).toBe("a b cde");
  });

  it("keeps newlines, emoji and markup as written", () => {
    expect(cleanInput("line 1\nline 2 🙂 <b>x</b>", 100).text).toBe("line 1\nline 2 🙂 <b>x</b>");
  });

  it("replaces lone surrogates (invalid UTF-16) instead of failing", () => {
    const r = cleanInput("bad \uD800 and \uDC00 end", 100);
    expect(r.text).toBe("bad \uFFFD and \uFFFD end");
    expect(r.text.isWellFormed()).toBe(true);
  });

  it("caps long text at the limit without splitting an emoji", () => {
    const r = cleanInput("🙂".repeat(10), 4);
    expect(r).toEqual({ text: "🙂🙂🙂🙂", truncated: true, originalLength: 10 });
  });

  it("turns whitespace-only input into an empty string", () => {
    expect(cleanInput(" \t\n ", 100).text).toBe("");
  });
});
