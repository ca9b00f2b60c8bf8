import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { openStream, webchatEnv, webchatSend, webchatSession } from "../../helpers/webchat.js";

/**
 * How a page's stream learns of a reply: the worker wakes it when it stamps
 * one (in the server's thread on PGlite; from the worker thread, by a message,
 * on PostgreSQL), and a poll of the stamps finds replies that another process
 * stamped. The poll is set far apart or close together to tell them apart.
 */
describe.each(databaseKinds)("web chat wake-ups on $name", ({ name }) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(name, { env: webchatEnv, serve: { webchatPollMs: 60_000 } });
  });
  afterAll(async () => t?.close());

  it(`streams a reply as soon as the worker stamps it (turns ${name === "postgres" ? "in the worker thread" : "in the server's thread"}), with a typing event first`, async () => {
    expect(t.server.workerMode).toBe(name === "postgres" ? "thread" : "inline");
    const token = await webchatSession(t.url);
    const stream = await openStream(t.url, token);
    expect((await webchatSend(t.url, token, { text: "How much does an observership cost?" })).status).toBe(202);
    await stream.until((e) => e.some((x) => x.event === "reply"), "the reply, long before the next poll", 10_000);
    expect(stream.events.map((e) => e.event).slice(0, 2)).toEqual(["typing", "reply"]);
    expect(stream.replies()[0]?.text).toMatch(/\$\d/);
    stream.close();
  });
});

describe("web chat replies stamped elsewhere", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("pglite", { env: webchatEnv, serve: { webchatPollMs: 100 } });
  });
  afterAll(async () => t?.close());

  it("reach an open stream by the poll, when nobody woke it (another process stamped them)", async () => {
    const token = await webchatSession(t.url);
    const visitor = token.split(".")[0] as string;
    const stream = await openStream(t.url, token);
    await t.db.query(
      `INSERT INTO outbox (dedupe_key, channel, conversation, payload, status, web_seq)
       VALUES ('test:elsewhere', 'webchat', $1, $2::jsonb, 'sent', nextval('webchat_reply_seq'))`,
      [visitor, JSON.stringify({ kind: "reply", reply: { text: "A reply from another process." } })],
    );
    await stream.until((e) => e.some((x) => x.event === "reply"), "the polled reply", 5_000);
    expect(stream.replies().map((r) => r.text)).toEqual(["A reply from another process."]);
    stream.close();
  });
});
