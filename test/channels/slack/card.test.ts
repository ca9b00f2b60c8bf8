import { describe, expect, it } from "vitest";
import { ACTION_CLAIM, ACTION_CLOSE, ACTION_RELEASE, escapeMrkdwn, renderLeadCard, renderThreadMessage } from "../../../src/channels/slack/card.js";
import type { Lead } from "../../../src/core/lead.js";
import { sampleSummary } from "../../helpers/leads.js";

const NOW = new Date("2026-11-22T10:20:00Z");
const lead = (over: Partial<Lead> = {}): Lead => ({
  id: 42,
  channel: "telegram",
  conversation: "1001",
  sender: "1001",
  status: "queued",
  step: null,
  trigger: "asked",
  score: 7,
  scoreReasons: ["target start within 6 months"],
  consent: "granted",
  contact: { name: "Priya Raman", email: "priya@example.org", bestTime: "evenings IST" },
  summary: sampleSummary,
  claimedBy: null,
  claimedAt: null,
  outcome: null,
  closedAt: null,
  card: null,
  announcedAt: new Date("2026-11-22T10:00:00Z"),
  reannounced: 0,
  unreachable: null,
  redactedAt: null,
  version: 1,
  createdAt: new Date("2026-11-22T09:58:00Z"),
  updatedAt: new Date("2026-11-22T09:58:00Z"),
  ...over,
});
const all = (card: { blocks: unknown[] }) => JSON.stringify(card.blocks);
const actionIds = (card: { blocks: unknown[] }) =>
  (card.blocks as { type: string; elements?: { action_id: string }[] }[]).flatMap((b) => (b.type === "actions" ? (b.elements ?? []).map((e) => e.action_id) : []));

describe("the lead card", () => {
  it("shows the summary, the score and why, the contact, and Claim plus Close while queued", () => {
    const card = renderLeadCard(lead(), NOW);
    expect(card.text).toBe("Lead #42 (waiting for a counselor)");
    const text = all(card);
    for (const s of ["Internal medicine", "March 2027", "Score* 7", "target start within 6 months", "priya@example.org", "Priya Raman", "evenings IST", "Unclaimed* for 20 min", "how much does an observership cost?"]) expect(text).toContain(s);
    expect(actionIds(card)).toEqual([ACTION_CLAIM, ACTION_CLOSE]);
  });

  it("shows who holds a claimed lead, with Release and Close", () => {
    const card = renderLeadCard(lead({ status: "claimed", claimedBy: { id: "UANA00001" }, claimedAt: NOW }), NOW);
    expect(all(card)).toContain("Claimed by* <@UANA00001>");
    expect(actionIds(card)).toEqual([ACTION_RELEASE, ACTION_CLOSE]);
  });

  it("has no buttons once closed, and says the outcome", () => {
    const card = renderLeadCard(lead({ status: "closed", outcome: "booked", claimedBy: { id: "UANA00001" }, closedAt: NOW }), NOW);
    expect(all(card)).toContain("Closed*: Booked");
    expect(actionIds(card)).toEqual([]);
  });

  it("never shows contact details without consent, and shows nothing personal once redacted", () => {
    expect(all(renderLeadCard(lead({ consent: "declined", contact: null }), NOW))).toContain("did not consent");
    const redacted = all(renderLeadCard(lead({ redactedAt: NOW, contact: null }), NOW));
    expect(redacted).not.toMatch(/Priya|priya@|Internal medicine|observership cost/);
    expect(redacted).toContain("erase their data");
  });

  it("flags an unreachable student", () => {
    expect(all(renderLeadCard(lead({ unreachable: "WhatsApp window closed" }), NOW))).toContain("Student unreachable*: WhatsApp window closed");
  });

  it("escapes student text so it can never mention anyone or hide a link", () => {
    const hostile = lead({
      contact: { name: "<!channel> <@U999>", email: "a&b@example.org" },
      summary: { ...sampleSummary, failedQuestion: "<!here> see <https://evil.example|bank>", questions: [{ text: "<!everyone>", answer: "ok" }] },
    });
    const text = all(renderLeadCard(hostile, NOW));
    expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U999>|<https:/);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).toContain("a&amp;b@example.org");
    expect(escapeMrkdwn("<@U1> & <!here>")).toBe("&lt;@U1&gt; &amp; &lt;!here&gt;");
  });

  it("keeps to Slack's block limits with very long answers", () => {
    const long = "x".repeat(10_000);
    const card = renderLeadCard(lead({ summary: { ...sampleSummary, failedQuestion: long, profile: Array.from({ length: 14 }, (_, i) => ({ label: `L${i}`, value: long })) } }), NOW);
    for (const b of card.blocks as { text?: { text: string }; fields?: { text: string }[] }[]) {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      if (b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(10);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
  });

  it("labels thread messages by who wrote them, escaped", () => {
    expect(renderThreadMessage({ kind: "thread", leadId: 1, from: "student", text: "hi <!channel>" })).toBe(":bust_in_silhouette: *Student*: hi &lt;!channel&gt;");
    expect(renderThreadMessage({ kind: "thread", leadId: 1, from: "bot", text: "answer" })).toMatch(/^:robot_face: \*rotabot\*: answer$/);
  });
});
