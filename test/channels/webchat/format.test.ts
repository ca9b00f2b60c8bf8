import { describe, expect, it } from "vitest";
import { FORMAT_LIMITS, formatInline, formatMessage, safeHref } from "../../../src/channels/webchat/widget/format.js";
import { toWebReply, WEB_LIMITS } from "../../../src/channels/webchat/web-message.js";

/** The widget's reading of a reply, before dom.ts turns it into text nodes. */
describe("the web chat's rendering of a reply", () => {
  it("keeps markup written by a student, a counselor or the knowledge base as text", () => {
    const text = `<img src=x onerror="alert(1)"> **<b>bold</b>** <script>x()</script>`;
    const spans = formatInline(text);
    expect(spans.map((s) => s.text).join("")).toBe(`<img src=x onerror="alert(1)"> <b>bold</b> <script>x()</script>`);
    expect(spans.find((s) => s.bold)?.text).toBe("<b>bold</b>");
    expect(spans.some((s) => s.href)).toBe(false);
  });

  it("reads paragraphs, line breaks, bullet lists and bold", () => {
    const blocks = formatMessage("Costs vary.\nSee below.\n\n- Some are **free**\n- Others cost $1,500\n\nAdd the visa fee.");
    expect(blocks.map((b) => b.kind)).toEqual(["paragraph", "list", "paragraph"]);
    expect(blocks[0]).toEqual({ kind: "paragraph", lines: [[{ text: "Costs vary." }], [{ text: "See below." }]] });
    expect(blocks[1]).toEqual({ kind: "list", items: [[{ text: "Some are " }, { text: "free", bold: true }], [{ text: "Others cost $1,500" }]] });
  });

  it("links only http, https and mailto addresses, without the sentence's punctuation", () => {
    const spans = formatInline("AMA (https://www.ama-assn.org/imgs). Write to mailto:desk@agency.example, or javascript:alert(1) or data:text/html,x");
    expect(spans.filter((s) => s.href).map((s) => s.href)).toEqual(["https://www.ama-assn.org/imgs", "mailto:desk@agency.example"]);
    expect(spans.map((s) => s.text).join("")).toContain("javascript:alert(1)");
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("JAVASCRIPT:alert(1)")).toBeUndefined();
    expect(safeHref("/relative")).toBeUndefined();
    expect(safeHref(`https://x.example/${"a".repeat(FORMAT_LIMITS.href)}`)).toBeUndefined();
  });

  it("keeps a closing parenthesis in an address that opened one", () => {
    expect(formatInline("https://en.wikipedia.org/wiki/Visa_(document) ok").find((s) => s.href)?.href).toBe("https://en.wikipedia.org/wiki/Visa_(document)");
  });

  it("leaves a lone ** as written", () => {
    expect(formatInline("2 ** 3 = 8").map((s) => s.text).join("")).toBe("2 ** 3 = 8");
  });

  it("cuts a message over the length limit with an ellipsis", () => {
    const blocks = formatMessage("x".repeat(FORMAT_LIMITS.text + 500));
    const text = blocks.flatMap((b) => (b.kind === "paragraph" ? b.lines.flat() : b.items.flat())).map((s) => s.text).join("");
    expect([...text]).toHaveLength(FORMAT_LIMITS.text);
    expect(text.endsWith("…")).toBe(true);
  });

  it("sends a page at most the limits of text and buttons, and no button without a value", () => {
    const reply = toWebReply({
      seq: 7,
      at: new Date("2026-12-01T10:00:00Z"),
      reply: {
        text: "y".repeat(WEB_LIMITS.text + 10),
        quickReplies: [{ title: "empty", payload: "" }, ...Array.from({ length: 15 }, (_, i) => ({ title: `${"t".repeat(100)}${i}`, payload: `p${i}` }))],
      },
    });
    expect([...reply.text]).toHaveLength(WEB_LIMITS.text);
    expect(reply.quickReplies).toHaveLength(WEB_LIMITS.quickReplies);
    expect(reply.quickReplies?.[0]).toEqual({ title: `${"t".repeat(WEB_LIMITS.title - 1)}…`, payload: "p0" });
  });
});
