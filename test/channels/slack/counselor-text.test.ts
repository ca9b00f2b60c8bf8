import { describe, expect, it } from "vitest";
import { isInternalNote, renderCounselorText } from "../../../src/channels/slack/counselor-text.js";

describe("a counselor's Slack text as the student reads it", () => {
  it("drops user, channel and group mentions and @channel/@here/@everyone", () => {
    expect(renderCounselorText("Hi <@U123ABC>, <!channel> <!here> <!everyone> <!subteam^S1|@team> see <#C999|leads>.")).toBe("Hi, see.");
  });

  it("turns links into plain text with the address, and drops unsafe link targets", () => {
    expect(renderCounselorText("Book at <https://example.org/book|our page> or <https://example.org>")).toBe("Book at our page (https://example.org/book) or https://example.org");
    expect(renderCounselorText("Mail <mailto:desk@example.org|desk@example.org> or call <tel:+15551234567|us>")).toBe("Mail desk@example.org or call us (+15551234567)");
    expect(renderCounselorText("<javascript:alert(1)|click here> and <data:text/html,x>")).toBe("click here and");
  });

  it("unescapes Slack's entities and keeps dates readable", () => {
    expect(renderCounselorText("Fees &lt; $500 &amp; visa &gt; 2 weeks")).toBe("Fees < $500 & visa > 2 weeks");
    expect(renderCounselorText("Call on <!date^1800000000^{date_short}|Jan 15, 2027>")).toBe("Call on Jan 15, 2027");
  });

  it("keeps line breaks and text order", () => {
    expect(renderCounselorText("First line\n\n\n\nSecond  line")).toBe("First line\n\nSecond line");
  });

  it("knows internal notes", () => {
    expect(isInternalNote("note: call her tomorrow")).toBe(true);
    expect(isInternalNote("  NOTE : x")).toBe(true);
    expect(isInternalNote("Noted, thanks")).toBe(false);
    // Whatever the markup or hidden characters, a note is a note (issue 14, medium 5).
    for (const note of ["*note:* x", "_note:_ x", "`note:` x", "~note:~ x", "> note: x", "&gt; note: x", "\u200Bnote: x", "\u2060\uFE0F note: x", "*Note*: x", "```note: x```", "ｎｏｔｅ： x"]) {
      expect(isInternalNote(note), JSON.stringify(note)).toBe(true);
    }
    for (const text of ["Notes are attached", "*Noted* thanks", "> I noted: x", "Denote: x"]) expect(isInternalNote(text), text).toBe(false);
  });
});
