import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webApi } from "@slack/bolt";
import { createSlackApi, createWebClient } from "../../src/channels/slack/api.js";
import { ChannelApiError } from "../../src/core/errors.js";
import { startFakeSlack, type FakeSlack } from "./slack-api.js";

describe("the fake Slack Web API", () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => slack?.close());
  const api = () => createSlackApi(createWebClient(slack.token, slack.apiUrl, 1000));
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(ChannelApiError);
      return (err as ChannelApiError).details;
    }
    throw new Error("expected a failure");
  };

  it("takes form bodies with a Bearer token from the real client, and refuses a wrong token", async () => {
    const { ts } = await api().postMessage({ channel: "CFAKE0001", text: "card", blocks: [{ type: "section", text: { type: "mrkdwn", text: "x" } }] });
    expect(slack.cards("CFAKE0001")[0]).toMatchObject({ ts, text: "card", blocks: [{ type: "section" }] });
    expect(slack.calls.at(-1)?.body).toMatchObject({ channel: "CFAKE0001", unfurl_links: "false" });
    const wrong = createSlackApi(createWebClient("xoxb-wrong", slack.apiUrl, 1000));
    expect(await failure(wrong.postMessage({ channel: "CFAKE0001", text: "x" }))).toMatchObject({ permanent: true, reason: "invalid_auth" });
  });

  it("keeps threads, updates in place, and pages conversations.replies", async () => {
    const { ts } = await api().postMessage({ channel: "CFAKE0002", text: "parent" });
    await api().postMessage({ channel: "CFAKE0002", text: "bot reply", thread_ts: ts });
    slack.addHumanReply("CFAKE0002", ts, "UANA00001", "human reply");
    await api().update({ channel: "CFAKE0002", ts, text: "parent v2" });
    expect(slack.cards("CFAKE0002")[0]).toMatchObject({ text: "parent v2", updates: 1 });
    const first = await api().replies({ channel: "CFAKE0002", ts, limit: 2 });
    expect(first.messages.map((m) => m.text)).toEqual(["parent v2", "bot reply"]);
    const second = await api().replies({ channel: "CFAKE0002", ts, cursor: first.nextCursor, limit: 2 });
    expect(second).toEqual({ messages: [expect.objectContaining({ text: "human reply", user: "UANA00001", thread_ts: ts })], nextCursor: undefined });
    expect(await failure(api().update({ channel: "CFAKE0002", ts: "1.1", text: "x" }))).toMatchObject({ permanent: true, reason: "message_not_found" });
  });

  it("injects 429 with Retry-After, 5xx, Slack errors and refusals, mapped to retry or give up", async () => {
    slack.fault({ kind: "429", retryAfter: 7, times: 1 });
    expect(await failure(api().postMessage({ channel: "CFAKE0003", text: "x" }))).toMatchObject({ status: 429, retryAfterMs: 7000, permanent: false });
    slack.fault({ kind: "5xx", status: 503, times: 1 });
    expect(await failure(api().postMessage({ channel: "CFAKE0003", text: "x" }))).toMatchObject({ status: 503, permanent: false });
    slack.fault({ kind: "error", error: "internal_error", times: 1 });
    expect(await failure(api().postMessage({ channel: "CFAKE0003", text: "x" }))).toMatchObject({ permanent: false });
    expect(await failure(api().postMessage({ channel: "#leads", text: "x" }))).toMatchObject({ permanent: true, reason: "channel_not_found" });
    await slack.refuse();
    expect(await failure(api().postMessage({ channel: "CFAKE0003", text: "x" }))).toMatchObject({ permanent: false });
    await slack.accept();
    await api().postMessage({ channel: "CFAKE0003", text: "back" });
    expect(slack.ok("chat.postMessage").at(-1)?.body.text).toBe("back");
    expect(webApi.ErrorCode.RateLimitedError).toBe("slack_webapi_rate_limited_error");
  });

  it("records what is posted to a response_url", async () => {
    await fetch(slack.responseUrl("abc"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "Already claimed" }) });
    expect(slack.responses).toEqual([{ id: "abc", body: { text: "Already claimed" } }]);
  });
});
