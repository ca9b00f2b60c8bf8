import { describe, expect, it } from "vitest";
import { citationOf, restFrom, sourcesLine, splitAnswer } from "../../src/intents/answer.js";
import type { KnowledgeEntry } from "../../src/knowledge/loader.js";
import { answerUnits, joinUnits } from "../../src/knowledge/paragraphs.js";
import { realKnowledge } from "../helpers/bot.js";

const LEAD = "An observership can cost nothing or several thousand dollars, depending on who runs it.";
const ITEMS = [
  "- Some hospital programs are **free**.",
  "- One hospital listed **$1,500 for 2 weeks**,\n  plus a background check.",
  "- One private program charges a $299 application fee.",
  "- Private companies may ask for $3,000 or more.",
];
const CLOSING = "Add the visa fee, travel and housing.";
const BODY = [LEAD, ITEMS.join("\n"), CLOSING].join("\n\n");

const entryWith = (body: string, sources: KnowledgeEntry["sources"] = []): KnowledgeEntry =>
  ({ ...(realKnowledge().entries[0] as KnowledgeEntry), id: "test-entry", body, sources }) as KnowledgeEntry;

describe("an answer's units", () => {
  it("are its paragraphs, with a list's items apart and an item's continuation lines kept with it", () => {
    const units = answerUnits(BODY);
    expect(units.map((u) => u.text)).toEqual([LEAD, ...ITEMS, CLOSING]);
    expect(units.map((u) => u.inList)).toEqual([false, false, true, true, true, false]);
    expect(joinUnits(units)).toBe(BODY);
  });

  it("read numbered lists and the text that opens a list in the same paragraph", () => {
    const units = answerUnits("Two steps:\n1. Ask the dean.\n2) Upload the form.");
    expect(units.map((u) => u.text)).toEqual(["Two steps:", "1. Ask the dean.", "2) Upload the form."]);
  });
});

describe("the direct answer of an entry (splitAnswer)", () => {
  it("stops between a long list's items, so the first items are read at once and the others are behind 'more'", () => {
    const budget = LEAD.length + 2 + ITEMS[0]!.length + 1 + ITEMS[1]!.length;
    const { direct, rest } = splitAnswer(entryWith(BODY), budget);
    expect(direct).toBe(`${LEAD}\n\n${ITEMS[0]}\n${ITEMS[1]}`);
    expect(rest).toBe(`${ITEMS[2]}\n${ITEMS[3]}\n\n${CLOSING}`);
    expect(direct.length).toBeLessThanOrEqual(budget);
  });

  it("never cuts inside an item: one character less leaves the second item for 'more'", () => {
    const budget = LEAD.length + 2 + ITEMS[0]!.length + 1 + ITEMS[1]!.length - 1;
    expect(splitAnswer(entryWith(BODY), budget).direct).toBe(`${LEAD}\n\n${ITEMS[0]}`);
  });

  it("always shows the first paragraph, however long, and the whole entry when it fits", () => {
    expect(splitAnswer(entryWith(BODY), 10)).toEqual({ direct: LEAD, rest: `${ITEMS.join("\n")}\n\n${CLOSING}` });
    expect(splitAnswer(entryWith(BODY), BODY.length)).toEqual({ direct: BODY, rest: "" });
  });

  it("keeps every line of every real entry between the direct answer and the rest", () => {
    const kb = realKnowledge();
    for (const e of kb.entries) {
      const { direct, rest } = splitAnswer(e, 500);
      const lines = (s: string) => s.split("\n").filter((l) => l.trim());
      expect([...lines(direct), ...lines(rest)]).toEqual(lines(e.body).map((l) => l.trimEnd()));
    }
  });
});

describe("the Sources line", () => {
  const sources = [
    { name: "AMA, Establishing an observership", url: "https://www.ama-assn.org/observership/long/path" },
    { name: "ISMS, Observership for IMGs", url: "https://isms.org/obs" },
    { name: "medicalrotation.org, Guide" },
  ];
  const kb = realKnowledge();
  const citation = citationOf(entryWith(BODY, sources));

  it("after a direct answer names the first source by its publisher, with its link, and counts the others", () => {
    expect(sourcesLine([citation], kb)).toBe(`${kb.messages.sources_label}: AMA (https://www.ama-assn.org/observership/long/path) +2. (${citation.reviewed})`);
  });

  it("after 'Tell me more' lists every source with its whole link", () => {
    const more = restFrom(entryWith(BODY, sources), kb);
    expect(more.citations?.[0]?.full).toBe(true);
    expect(sourcesLine(more.citations ?? [], kb)).toBe(
      `${kb.messages.sources_label}: AMA, Establishing an observership (https://www.ama-assn.org/observership/long/path); ` +
        `ISMS, Observership for IMGs (https://isms.org/obs); medicalrotation.org, Guide. (${citation.reviewed})`,
    );
  });
});
