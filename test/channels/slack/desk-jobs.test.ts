import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackApi, createWebClient } from "../../../src/channels/slack/api.js";
import { createCounselorReplies } from "../../../src/channels/slack/counselor-replies.js";
import { createDeskJobs, type DeskJobsOptions } from "../../../src/channels/slack/desk-jobs.js";
import { fixedClock, type Clock } from "../../../src/core/clock.js";
import { parseOfficeHours, type OfficeHours } from "../../../src/leads/office-hours.js";
import { createSqlLeadDesk } from "../../../src/storage/sql-lead-desk.js";
import { startFakeSlack, type FakeSlack } from "../../fakes/slack-api.js";
import { realKnowledge } from "../../helpers/bot.js";
import { createPgliteTestDatabase, type TestDatabase } from "../../helpers/databases.js";
import { insertLead } from "../../helpers/leads.js";

const messages = realKnowledge().messages;
const hours = parseOfficeHours("Mon-Fri 09:00-18:00", "America/New_York") as OfficeHours;

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

/** The desk jobs on the test database and the fake Slack, on `clock`. */
function deskJobs(clock: Clock, more: Partial<DeskJobsOptions> = {}) {
  const desk = createSqlLeadDesk(db.driver);
  const api = createSlackApi(createWebClient(slack.token, slack.apiUrl, 2000));
  const jobs = createDeskJobs({
    desk,
    api,
    replies: createCounselorReplies({ desk, messages: () => messages, notify: () => {}, now: () => clock.now() }),
    messages: () => messages,
    claimTimeoutMs: 15 * 60_000,
    notify: () => {},
    notifySlack: () => {},
    clock,
    ...more,
  });
  return { desk, api, jobs };
}

describe("the claim timeout", () => {

  it("outside office hours tells the student when counselors are back, and re-announces only once they are", async () => {
    // Saturday 21 November 2026, 18:00 in New York.
    const clock = fixedClock("2026-11-21T23:00:00Z");
    const notified: string[] = [];
    const { desk, jobs } = deskJobs(clock, { officeHours: hours, notify: (channel, conversation) => notified.push(`${channel}:${conversation}`) });
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

describe("the reconciler's horizon", () => {

  it("relays a missed reply once, leaves messages past the horizon alone, and prunes their keys only after twice the horizon", async () => {
    const DAY = 24 * 60 * 60 * 1000;
    // The fake Slack stamps messages 1800000000.nnnnnn (15 January 2027, 08:00 UTC).
    const clock = fixedClock("2027-01-15T09:00:00Z");
    const { desk, api, jobs } = deskJobs(clock, { reconcileHorizonMs: 7 * DAY });
    const ana = { id: "UANA00001", name: "Ana" };
    const id = await insertLead(db.driver, { conversation: "horizon" });
    const card = await api.postMessage({ channel: "CLEADS0002", text: "lead card" });
    await desk.setCard(id, { channel: "CLEADS0002", ts: card.ts }, clock.now());
    await desk.claim(id, ana, clock.now(), { text: messages.lead_claimed });
    const relayed = async () =>
      (await db.driver.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE conversation = 'horizon' AND payload->>'kind' = 'reply' AND dedupe_key LIKE 'slack:%'")).rows[0]?.n;

    slack.addHumanReply("CLEADS0002", card.ts, ana.id, "Here is the plan.");
    expect(await jobs.reconcile()).toBe(1);
    expect(await jobs.reconcile()).toBe(0);
    expect(await relayed()).toBe(1);

    // Eight days on, a message written before the horizon is not relayed (its event was surely delivered or lost for good).
    clock.advance(8 * DAY);
    slack.addHumanReply("CLEADS0002", card.ts, ana.id, "An old message the reconciler never saw.");
    expect(await jobs.reconcile()).toBe(0);
    expect(await jobs.pruneEvents()).toBe(0);

    // Past twice the horizon the keys go; the messages they guarded are past the horizon, so none is relayed twice.
    clock.advance(7 * DAY);
    expect(await jobs.pruneEvents()).toBeGreaterThanOrEqual(1);
    expect(await jobs.reconcile()).toBe(0);
    expect(await relayed()).toBe(1);
  });
});
