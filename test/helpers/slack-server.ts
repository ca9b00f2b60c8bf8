import { startFakeSlack, FAKE_BOT_ID, FAKE_BOT_USER_ID, type FakeSlack } from "../fakes/slack-api.js";
import { insertLead, type TestLead } from "./leads.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.js";
import { LEADS_CHANNEL, SLACK_SIGNING_SECRET } from "./slack-requests.js";

export interface SlackTestServer extends TestServer {
  slack: FakeSlack;
  /** Inserts a queued lead (as the turn side does) and waits for its card; returns its id and the card's ts. */
  postedLead(lead: TestLead): Promise<{ id: number; ts: string }>;
}

/**
 * `startTestServer` with the counselor desk on: Slack settings pointing at a
 * fresh fake Slack Web API, the bot's ids given (no auth.test), fast pacing,
 * and the periodic desk jobs left to the test to run.
 */
export async function startSlackTestServer(kind: "pglite" | "postgres", options: TestServerOptions & { slack?: FakeSlack } = {}): Promise<SlackTestServer> {
  const slack = options.slack ?? (await startFakeSlack());
  const t = await startTestServer(kind, {
    ...options,
    env: { SLACK_BOT_TOKEN: slack.token, SLACK_SIGNING_SECRET, SLACK_LEADS_CHANNEL: LEADS_CHANNEL, SLACK_API_URL: slack.apiUrl, ...options.env },
    serve: {
      slackBotIds: { botId: FAKE_BOT_ID, botUserId: FAKE_BOT_USER_ID },
      slackRelay: { paceMs: 20, pollMs: 50 },
      slackJobs: { reconcileEveryMs: 3_600_000, reannounceEveryMs: 3_600_000 },
      ...options.serve,
    },
  });
  return {
    ...t,
    slack,
    async postedLead(lead) {
      const id = await insertLead(t.db, lead);
      t.server.slack?.relay.notify();
      let ts = "";
      await t.until(async () => {
        const r = await t.db.query<{ slack_ts: string | null }>("SELECT slack_ts FROM leads WHERE id = $1", [id]);
        ts = r.rows[0]?.slack_ts ?? "";
        return ts !== "";
      }, `the card of lead ${id}`);
      return { id, ts };
    },
    async close() {
      await t.close();
      await slack.close();
    },
  };
}
