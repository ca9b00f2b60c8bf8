import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSlackApi, createWebClient } from "../../../src/channels/slack/api.js";
import { createSlackRelay, type SlackRelay } from "../../../src/channels/slack/relay.js";
import { fixedClock } from "../../../src/core/clock.js";
import { createSqlLeadDesk } from "../../../src/storage/sql-lead-desk.js";
import { createSqlSlackOutbox } from "../../../src/storage/sql-slack-outbox.js";
import { startFakeSlack, type FakeSlack } from "../../fakes/slack-api.js";
import { databaseKinds, type TestDatabase } from "../../helpers/databases.js";
import { insertLead, insertStudentThreadMessage } from "../../helpers/leads.js";

let channels = 0;
let conversations = 0;

describe.each(databaseKinds)("the Slack outbox relay on $name", ({ create }) => {
  let db: TestDatabase;
  let slack: FakeSlack;
  let clock: ReturnType<typeof fixedClock>;
  let leadsChannel: string;
  const outcomes: string[] = [];
  const desk = () => createSqlLeadDesk(db.driver);

  /** A relay on a fake clock: its waits move the clock instead of sleeping. */
  const relay = (over: Partial<Parameters<typeof createSlackRelay>[0]> = {}): SlackRelay =>
    createSlackRelay({
      outbox: createSqlSlackOutbox(db.driver),
      desk: desk(),
      api: createSlackApi(createWebClient(slack.token, slack.apiUrl, 2_000)),
      leadsChannel,
      clock,
      sleep: async (ms) => clock.advance(ms),
      observer: { delivery: (o) => outcomes.push(o) },
      ...over,
    });
  /** Runs the relay as its loop would, moving the clock `stepMs` whenever it has nothing to do, until `done`. */
  async function drive(r: SlackRelay, done: () => boolean | Promise<boolean>, stepMs = 1000, maxSimulatedMs = 3 * 3600_000) {
    const start = clock.now().getTime();
    while (!(await done())) {
      if (clock.now().getTime() - start > maxSimulatedMs) throw new Error("relay did not finish in simulated time");
      if ((await r.tick()) === 0) clock.advance(stepMs);
    }
  }
  const lead = (over: Parameters<typeof insertLead>[1] | object = {}) => insertLead(db.driver, { conversation: `relay-${++conversations}`, at: clock.now(), ...over });

  beforeAll(async () => {
    db = await create();
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
    await db?.dispose();
  });
  beforeEach(async () => {
    await db.driver.query("UPDATE outbox SET status = 'sent' WHERE channel = 'slack' AND status = 'pending'");
    clock = fixedClock(new Date());
    slack.reset();
    slack.now = () => clock.now().getTime();
    leadsChannel = `CRELAY${String(++channels).padStart(4, "0")}`;
    outcomes.length = 0;
  });

  it("posts the card first, threads the lead's messages under it, and updates the card in place", async () => {
    const id = await lead();
    await insertStudentThreadMessage(db.driver, id, "m1", "Can someone call me? <!channel>", clock.now());
    const r = relay();
    await drive(r, () => slack.thread(leadsChannel, slack.cards(leadsChannel)[0]?.ts ?? "").length === 1);
    const [card] = slack.cards(leadsChannel);
    expect(card?.blocks?.length).toBeGreaterThan(2);
    expect((await desk().get(id))?.card).toEqual({ channel: leadsChannel, ts: card?.ts });
    expect(slack.thread(leadsChannel, card?.ts as string)[0]?.text).toBe(":bust_in_silhouette: *Student*: Can someone call me? &lt;!channel&gt;");

    await desk().claim(id, { id: "UANA00001" }, clock.now(), { text: "claimed" });
    await drive(r, () => slack.ok("chat.update").length === 1);
    expect(slack.cards(leadsChannel)).toHaveLength(1);
    expect(card?.updates).toBe(1);
    expect(JSON.stringify(card?.blocks)).toContain("Claimed by* <@UANA00001>");
  });

  it("waits out a 429's Retry-After of 7 s and then delivers the card once", async () => {
    slack.fault({ kind: "429", retryAfter: 7, method: "chat.postMessage", times: 1 });
    await lead();
    const r = relay();
    const started = clock.now().getTime();
    await drive(r, () => slack.ok("chat.postMessage").length === 1, 500);
    const calls = slack.calls.filter((c) => c.method === "chat.postMessage");
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect((calls[1]?.at as number) - started).toBeGreaterThanOrEqual(7000);
    // Nothing is posted again later.
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await r.tick();
    }
    expect(slack.cards(leadsChannel)).toHaveLength(1);
    expect(outcomes).toEqual(["retry", "sent"]);
  });

  it("retries a 5xx with backoff, and gives up at once on what Slack will never accept", async () => {
    slack.fault({ kind: "5xx", status: 503, method: "chat.postMessage", times: 2 });
    await lead();
    const r = relay();
    await drive(r, () => slack.ok("chat.postMessage").length === 1);
    expect(outcomes).toEqual(["retry", "retry", "sent"]);

    outcomes.length = 0;
    slack.fault({ kind: "error", error: "channel_not_found", method: "chat.postMessage", times: 1 });
    const id = await lead();
    await drive(r, () => outcomes.length === 1);
    expect(outcomes).toEqual(["dead"]);
    const row = await db.driver.query<{ status: string; last_error: string }>("SELECT status, last_error FROM outbox WHERE dedupe_key = $1", [`lead:${id}:card:1`]);
    expect(row.rows[0]).toEqual({ status: "dead", last_error: "Slack chat.postMessage: channel_not_found" });
  });

  it("posts a new card when the old one was deleted in Slack", async () => {
    const id = await lead();
    const r = relay();
    await drive(r, () => slack.cards(leadsChannel).length === 1);
    slack.messages.length = 0;
    await desk().claim(id, { id: "UANA00001" }, clock.now(), { text: "claimed" });
    await drive(r, () => slack.cards(leadsChannel).length === 1);
    expect((await desk().get(id))?.card?.ts).toBe(slack.cards(leadsChannel)[0]?.ts);
  });

  it("delivers each card once with two relays working the same outbox", async () => {
    for (let i = 0; i < 12; i++) await lead();
    const a = relay();
    const b = relay();
    const sent = async () => slack.ok("chat.postMessage").length >= 12;
    while (!(await sent())) {
      const [x, y] = await Promise.all([a.tick(), b.tick()]);
      if (x + y === 0) clock.advance(1000);
    }
    expect(slack.cards(leadsChannel)).toHaveLength(12);
  });

  it("Slack down for 30 minutes while 200 leads are created: all 200 arrive after recovery, once each, a second apart", async () => {
    const r = relay();
    const ids: number[] = [];
    await slack.refuse();
    const outageStart = clock.now().getTime();
    // One lead every 9 s for 30 minutes; the relay keeps trying (every 27 s here) on its own clock.
    while (ids.length < 200) {
      ids.push(await lead());
      if (ids.length % 3 === 0) await r.tick();
      clock.advance(9000);
    }
    expect(clock.now().getTime() - outageStart).toBeGreaterThanOrEqual(30 * 60_000);
    expect(slack.ok("chat.postMessage")).toHaveLength(0);
    await slack.accept();
    const recovered = clock.now().getTime();
    await drive(r, () => slack.ok("chat.postMessage").length >= 200, 5000);
    // A little longer: nothing more may arrive.
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await r.tick();
    }
    const posts = slack.ok("chat.postMessage");
    expect(posts).toHaveLength(200);
    const cardsByLead = new Set((await db.driver.query<{ id: number }>("SELECT id FROM leads WHERE id = ANY($1::bigint[]) AND slack_ts IS NOT NULL", [ids])).rows.map((x) => Number(x.id)));
    expect(cardsByLead.size).toBe(200);
    const gaps = posts.slice(1).map((p, i) => p.at - (posts[i] as { at: number }).at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    const drainMs = (posts.at(-1) as { at: number }).at - recovered;
    expect(drainMs).toBeLessThan(10 * 60_000);
  });
});
