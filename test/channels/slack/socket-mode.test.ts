import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlack, FAKE_SLACK_APP_TOKEN, type FakeSlack } from "../../fakes/slack-api.js";
import { startFakeSlackSocket, type FakeSlackSocket } from "../../fakes/slack-socket.js";
import { startSlackTestServer, type SlackTestServer } from "../../helpers/slack-server.js";
import { threadReply } from "../../helpers/slack-requests.js";

describe("Slack in Socket Mode", () => {
  let socket: FakeSlackSocket;
  let slack: FakeSlack;
  let t: SlackTestServer;
  beforeAll(async () => {
    socket = await startFakeSlackSocket();
    slack = await startFakeSlack();
    slack.socketUrl = socket.url;
    t = await startSlackTestServer("pglite", { slack, env: { SLACK_APP_TOKEN: FAKE_SLACK_APP_TOKEN } });
    await socket.connected();
  });
  afterAll(async () => {
    await t?.close();
    await socket?.close();
  });

  it("serves no /slack/events route, and relays a counselor reply that came over the socket, acknowledged", async () => {
    expect((await fetch(`${t.url}/slack/events`, { method: "POST", body: "{}" })).status).toBe(404);
    const chat = 7_300_001;
    const { ts } = await t.postedLead({ conversation: String(chat) });
    const envelope = socket.sendEvent({
      type: "event_callback",
      team_id: "TFAKE",
      api_app_id: "AFAKE",
      event_id: "EvSocket1",
      event_time: Math.floor(Date.now() / 1000),
      event: threadReply({ threadTs: ts, ts: "1970000000.000001", user: "UANA00001", text: "Hello over the socket" }),
    });
    await t.until(() => t.telegram.sent(chat).some((m) => m.text === "Hello over the socket"), "the relayed reply");
    await t.until(() => socket.acks.some((a) => a.envelope_id === envelope), "the ack");
  });
});
