import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackApi, createWebClient } from "../../../src/channels/slack/api.js";
import { createCounselorReplies } from "../../../src/channels/slack/counselor-replies.js";
import { createDeskJobs } from "../../../src/channels/slack/desk-jobs.js";
import { fixedClock } from "../../../src/core/clock.js";
import { parseOfficeHours, type OfficeHours } from "../../../src/leads/office-hours.js";
import { createSqlLeadDesk } from "../../../src/storage/sql-lead-desk.js";
import { startFakeSlack, type FakeSlack } from "../../fakes/slack-api.js";
import { realKnowledge } from "../../helpers/bot.js";
import { createPgliteTestDatabase, type TestDatabase } from "../../helpers/databases.js";
import { insertLead } from "../../helpers/leads.js";

const messages = realKnowledge().messages;
const hours = parseOfficeHours("Mon-Fri 09:00-18:00", "America/New_York") as OfficeHours;

describe("the claim timeout", () => {
  let db: TestDatabase;
  let slack: FakeSlack;
  beforeAll(async () => {
    db = await createPgliteTestDatabase();
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
    await db?.dispose();
  });

  it("outside office hours tells the student when counselors are back, and re-announces only once they are", async () => {
    // Saturday 21 November 2026, 18:00 in New York.
    const clock = fixedClock("2026-11-21T23:00:00Z");
    const desk = createSqlLeadDesk(db.driver);
    const notified: string[] = [];
    const api = createSlackApi(createWebClient(slack.token, slack.apiUrl, 2000));
    const jobs = createDeskJobs({
      desk,
      api,
      replies: createCounselorReplies({ desk, messages: () => messages, notify: () => {}, now: () => clock.now() }),
      messages: () => messages,
      claimTimeoutMs: 15 * 60_000,
      officeHours: hours,
      notify: (channel, conversation) => notified.push(`${channel}:${conversation}`),
      notifySlack: () => {},
      clock,
    });
    const id = await insertLead(db.driver, { conversation: "after-hours", at: new Date("2026-11-21T22:30:00Z") });
    await desk.setCard(id, { channel: "CLEADS0001", ts: "1800000000.000001" }, new Date("2026-11-21T22:40:00Z"));

    expect(await jobs.reannounceDue()).toBe(1);
    const student = async () => (await db.driver.query<{ payload: { reply: { text: string } } }>("SELECT payload FROM outbox WHERE conversation = 'after-hours' ORDER BY id")).rows.map((r) => r.payload.reply.text);
    const [afterHours] = await student();
    expect(afterHours).toContain("Mon-Fri 09:00-18:00 (America/New_York)");
    expect(afterHours).toMatch(/Monday,? 9:00\sAM EST/u);
    expect(notified).toEqual(["telegram:after-hours"]);
    const slackRows = async () => (await db.driver.query("SELECT dedupe_key FROM outbox WHERE conversation = $1 AND payload->>'kind' = 'thread'", [`lead:${id}`])).rows;
    expect(await slackRows()).toEqual([]);

    // Monday 09:10: counselors are in, but the timeout counts from 09:00.
    clock.set("2026-11-23T14:10:00Z");
    expect(await jobs.reannounceDue()).toBe(0);
    clock.set("2026-11-23T14:16:00Z");
    expect(await jobs.reannounceDue()).toBe(1);
    expect(await student()).toEqual([afterHours, messages.lead_wait]);
    expect(await slackRows()).toHaveLength(1);
  });
});
