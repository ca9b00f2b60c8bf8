import { createBot } from "../../src/dialog/bot.js";
import { fixedClock } from "../../src/core/clock.js";
import { staticKnowledge } from "../../src/nlu/knowledge-source.js";
import type { Inbound } from "../../src/core/model.js";
import { LEAD_PAYLOAD } from "../../src/leads/form.js";
import type { SqlDriver } from "../../src/storage/driver.js";
import { createSqlLeadDesk } from "../../src/storage/sql-lead-desk.js";
import { createSqlStore } from "../../src/storage/sql-store.js";
import { realKnowledge } from "./bot.js";
import { silentLogger } from "../../src/logger.js";

/** Questions nobody wrote an entry for, in a few wordings each: the report's gaps. */
export const UNANSWERED = [
  "can I bring my cat to the hospital rotation",
  "can I bring my cat to the rotation",
  "is there parking for my motorbike at the hospital",
  "is there motorbike parking at the hospital",
  "<script>alert(1)</script> what about the weather on mars",
];

export interface SeedResult {
  /** The first day seeded (00:00 UTC) and the moment after the last turn. */
  start: Date;
  end: Date;
  leads: { queued: number[]; claimed: number[]; closed: number[] };
  email: string;
}

/**
 * A few weeks of traffic written through the real storage functions: students
 * asking the real knowledge base's own example questions, some unanswerable
 * questions, lead forms with and without consent, and counselors claiming and
 * closing leads through the desk. Deterministic (fixed clock, fixed order).
 */
export async function seedActivity(driver: SqlDriver, days = 12, start = new Date("2026-11-10T00:00:00Z")): Promise<SeedResult> {
  const kb = realKnowledge();
  const clock = fixedClock(start);
  const store = createSqlStore(driver);
  const bot = createBot({ store, knowledge: staticKnowledge(kb), clock, logger: silentLogger });
  const desk = createSqlLeadDesk(driver);
  let n = 0;
  const say = (conversation: string, text: string, payload?: string) => {
    clock.advance(20_000);
    const inbound: Inbound = { id: `seed-${++n}`, channel: n % 3 === 0 ? "whatsapp" : "telegram", conversation, sender: conversation, text, payload, receivedAt: clock.now() };
    return bot.handle({ ...inbound, channel: conversation.startsWith("wa-") ? "whatsapp" : "telegram" });
  };
  const examples = kb.entries.filter((e) => e.intent !== "counselor" && e.intent !== "smalltalk").map((e) => e.examples[0] as string);
  const result: SeedResult = { start, end: start, leads: { queued: [], claimed: [], closed: [] }, email: "seed.canary@example.com" };
  const counselor = { id: "USEED0001", name: "Maya" };
  const leadOf = async (c: string) => Number((await driver.query<{ id: number }>("SELECT id FROM leads WHERE sender = $1 ORDER BY id DESC LIMIT 1", [c])).rows[0]?.id);
  for (let d = 0; d < days; d++) {
    clock.set(new Date(start.getTime() + d * 86_400_000 + 9 * 3_600_000));
    const students = 2 + ((d * 7) % 5);
    for (let s = 0; s < students; s++) {
      const c = `${s % 2 ? "wa" : "tg"}-${d}-${s}`;
      await say(c, "hello");
      for (let q = 0; q < 1 + ((d + s) % 4); q++) await say(c, examples[(d * 5 + s * 3 + q * 11) % examples.length] as string);
      if ((d + s) % 3 === 0) await say(c, UNANSWERED[(d + s) % UNANSWERED.length] as string);
      // Every few students, a lead: the form with consent, then a counselor.
      if (s === 1 && d % 2 === 0) {
        await say(c, "I want to talk to a counselor");
        await say(c, "", LEAD_PAYLOAD.yes);
        await say(c, "Seed Student");
        await say(c, result.email);
        for (let i = 0; i < 4; i++) await say(c, "", LEAD_PAYLOAD.skip);
        const id = await leadOf(c);
        result.leads.queued.push(id);
        if (d % 4 === 0 || d % 6 === 0) {
          clock.advance((5 + d * 9) * 60_000);
          await desk.claim(id, counselor, clock.now(), { text: "claimed" });
          result.leads.claimed.push(id);
          clock.advance(30 * 60_000);
          await desk.close(id, counselor, d % 3 === 0 ? "booked" : "contacted", clock.now(), { text: "closed" });
          result.leads.closed.push(id);
        }
      }
      // A student who starts the form and stops it.
      if (s === 0 && d % 5 === 1) {
        await say(c, "I want to talk to a counselor");
        await say(c, "stop");
      }
    }
  }
  result.end = new Date(clock.now().getTime() + 1000);
  return result;
}
