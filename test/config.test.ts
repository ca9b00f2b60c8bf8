import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/core/errors.js";

const TOKEN = "123456:ABC-def_ghi";
const whatsapp = { WHATSAPP_ACCESS_TOKEN: "EAAG", WHATSAPP_PHONE_NUMBER_ID: "100000000000001", WHATSAPP_APP_SECRET: "0123456789abcdef0123456789abcdef", WHATSAPP_VERIFY_TOKEN: "verify-me" };

/** The message of the ConfigError that `env` causes. */
function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("settings", () => {
  it("runs with no settings at all: no channel, the embedded database, port 3000", () => {
    const c = loadConfig({});
    expect(c.telegram).toBeUndefined();
    expect(c.whatsapp).toBeUndefined();
    expect(c.database.kind).toBe("pglite");
    expect(c.server.port).toBe(3000);
  });

  it("runs one turn at a time on the embedded database without a language model, 16 otherwise, or as set", () => {
    expect(loadConfig({}).server.workerConcurrency).toBe(1);
    expect(loadConfig({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" }).server.workerConcurrency).toBe(16);
    expect(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }).server.workerConcurrency).toBe(16);
    expect(loadConfig({ WORKER_CONCURRENCY: "4" }).server.workerConcurrency).toBe(4);
  });

  it("turns Telegram on with only the token, in polling mode", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }).telegram).toMatchObject({ mode: "polling", apiRoot: "https://api.telegram.org" });
  });

  it("defaults to webhook mode when the server has a public URL, and derives the webhook URL", () => {
    const c = loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, PUBLIC_URL: "https://bot.example.org/", TELEGRAM_WEBHOOK_SECRET: "abc_DEF-123-ghi_JKL" });
    expect(c.telegram).toMatchObject({ mode: "webhook", webhookUrl: "https://bot.example.org/telegram/webhook" });
  });

  it("names what webhook mode is missing", () => {
    expect(problem({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_MODE: "webhook" })).toMatch(/PUBLIC_URL[\s\S]*TELEGRAM_WEBHOOK_SECRET/);
  });

  it("rejects a webhook secret Telegram would refuse, and a malformed token", () => {
    expect(problem({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: "has spaces!" })).toMatch(/TELEGRAM_WEBHOOK_SECRET/);
    expect(problem({ TELEGRAM_BOT_TOKEN: "not-a-token" })).toMatch(/TELEGRAM_BOT_TOKEN/);
  });

  it("refuses secrets too short to be secret (issue 14), naming the minimum", () => {
    expect(problem({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: "a" })).toMatch(/TELEGRAM_WEBHOOK_SECRET: must be 16-256 characters/);
    expect(problem({ ...whatsapp, WHATSAPP_APP_SECRET: "s" })).toMatch(/WHATSAPP_APP_SECRET: .*at least 16/);
    expect(problem({ ...whatsapp, WHATSAPP_VERIFY_TOKEN: "v" })).toMatch(/WHATSAPP_VERIFY_TOKEN: must be at least 8/);
    expect(problem({ SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "short", SLACK_LEADS_CHANNEL: "C0123ABCDEF" })).toMatch(/SLACK_SIGNING_SECRET: .*at least 16/);
    expect(problem({ METRICS_TOKEN: "short" })).toMatch(/METRICS_TOKEN: must be at least 16/);
    expect(problem({ LOG_ID_SECRET: "short" })).toMatch(/LOG_ID_SECRET: must be at least 16/);
  });

  it("asks for the token when other Telegram settings are set", () => {
    expect(problem({ TELEGRAM_MODE: "polling" })).toMatch(/TELEGRAM_BOT_TOKEN: missing/);
  });

  it("turns WhatsApp on with all four settings, with the pinned Graph API version", () => {
    expect(loadConfig(whatsapp).whatsapp).toMatchObject({ phoneNumberId: "100000000000001", apiBase: "https://graph.facebook.com/v21.0" });
  });

  it("names every WhatsApp setting that is missing when only some are set", () => {
    const message = problem({ WHATSAPP_ACCESS_TOKEN: "EAAG", WHATSAPP_APP_SECRET: "0123456789abcdef0123456789abcdef" });
    expect(message).toMatch(/WHATSAPP_PHONE_NUMBER_ID: missing/);
    expect(message).toMatch(/WHATSAPP_VERIFY_TOKEN: missing/);
    expect(message).not.toMatch(/WHATSAPP_ACCESS_TOKEN: missing/);
  });

  it("treats blank variables as unset", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, PUBLIC_URL: "" }).telegram?.mode).toBe("polling");
  });

  describe("Slack and the counselor desk", () => {
    const slack = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "0123456789abcdef", SLACK_LEADS_CHANNEL: "C0123ABCDEF" };

    it("turns Slack on with the three settings, on the real API over /slack/events, with a 15-minute claim timeout", () => {
      const c = loadConfig(slack);
      expect(c.slack).toEqual({ botToken: "xoxb-1-2-abc", signingSecret: "0123456789abcdef", leadsChannel: "C0123ABCDEF", apiUrl: "https://slack.com/api/", appToken: undefined });
      expect(c.leads).toEqual({ claimTimeoutMinutes: 15, officeHours: undefined });
      expect(loadConfig({}).slack).toBeUndefined();
    });

    it("uses Socket Mode with an app token, and a local API with a trailing slash added", () => {
      expect(loadConfig({ ...slack, SLACK_APP_TOKEN: "xapp-1-A1-abc", SLACK_API_URL: "http://127.0.0.1:9999/api" }).slack).toMatchObject({ appToken: "xapp-1-A1-abc", apiUrl: "http://127.0.0.1:9999/api/" });
    });

    it("names every missing Slack setting when Slack is half configured", () => {
      const message = problem({ SLACK_BOT_TOKEN: "xoxb-1-2-abc" });
      expect(message).toMatch(/SLACK_SIGNING_SECRET: missing/);
      expect(message).toMatch(/SLACK_LEADS_CHANNEL: missing/);
      expect(problem({ SLACK_APP_TOKEN: "xapp-1-A1-abc" })).toMatch(/SLACK_BOT_TOKEN: missing/);
    });

    it("says what a wrong token or channel looks like", () => {
      expect(problem({ ...slack, SLACK_BOT_TOKEN: "xoxp-user-token" })).toMatch(/SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/);
      expect(problem({ ...slack, SLACK_LEADS_CHANNEL: "#leads" })).toMatch(/SLACK_LEADS_CHANNEL: must be a channel id/);
    });

    it("reads office hours with their time zone, and needs both", () => {
      const c = loadConfig({ OFFICE_HOURS: "Mon-Fri 09:00-18:00", OFFICE_TIMEZONE: "America/New_York", LEAD_CLAIM_TIMEOUT_MINUTES: "30" });
      expect(c.leads.claimTimeoutMinutes).toBe(30);
      expect(c.leads.officeHours).toMatchObject({ spec: "Mon-Fri 09:00-18:00", timeZone: "America/New_York" });
      expect(problem({ OFFICE_HOURS: "Mon-Fri 09:00-18:00" })).toMatch(/OFFICE_TIMEZONE: missing/);
      expect(problem({ OFFICE_HOURS: "weekdays", OFFICE_TIMEZONE: "UTC" })).toMatch(/OFFICE_HOURS: "weekdays" is not understood/);
      expect(problem({ OFFICE_HOURS: "Mon 09:00-10:00", OFFICE_TIMEZONE: "Nowhere/City" })).toMatch(/OFFICE_TIMEZONE: "Nowhere\/City" is not a time zone/);
    });
  });

  it("turns the web chat on with WEBCHAT_SECRET, with the allowed origins and limits", () => {
    const secret = "x".repeat(32);
    expect(loadConfig({}).webchat).toBeUndefined();
    expect(loadConfig({ WEBCHAT_SECRET: secret, WEBCHAT_ORIGINS: "https://agency.example, https://www.agency.example/" }).webchat).toEqual({
      secret,
      origins: ["https://agency.example", "https://www.agency.example"],
      ipRatePerMinute: 60,
      trustProxyHops: 0,
    });
  });

  it("refuses a short web chat secret, an origin with a path, and origins without a secret", () => {
    expect(problem({ WEBCHAT_SECRET: "short" })).toMatch(/WEBCHAT_SECRET: must be at least 32 random characters/);
    expect(problem({ WEBCHAT_SECRET: "x".repeat(32), WEBCHAT_ORIGINS: "https://agency.example/chat" })).toMatch(/WEBCHAT_ORIGINS: "https:\/\/agency.example\/chat" is not an origin/);
    expect(problem({ WEBCHAT_SECRET: "x".repeat(32), WEBCHAT_ORIGINS: "agency.example" })).toMatch(/is not an origin/);
    expect(problem({ WEBCHAT_ORIGINS: "https://agency.example" })).toMatch(/WEBCHAT_SECRET: missing, but WEBCHAT_ORIGINS is set/);
  });
});
