import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/core/errors.js";

const TOKEN = "123456:ABC-def_ghi";
const whatsapp = { WHATSAPP_ACCESS_TOKEN: "EAAG", WHATSAPP_PHONE_NUMBER_ID: "100000000000001", WHATSAPP_APP_SECRET: "s", WHATSAPP_VERIFY_TOKEN: "v" };

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

  it("turns Telegram on with only the token, in polling mode", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }).telegram).toMatchObject({ mode: "polling", apiRoot: "https://api.telegram.org" });
  });

  it("defaults to webhook mode when the server has a public URL, and derives the webhook URL", () => {
    const c = loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, PUBLIC_URL: "https://bot.example.org/", TELEGRAM_WEBHOOK_SECRET: "abc_DEF-123" });
    expect(c.telegram).toMatchObject({ mode: "webhook", webhookUrl: "https://bot.example.org/telegram/webhook" });
  });

  it("names what webhook mode is missing", () => {
    expect(problem({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_MODE: "webhook" })).toMatch(/PUBLIC_URL[\s\S]*TELEGRAM_WEBHOOK_SECRET/);
  });

  it("rejects a webhook secret Telegram would refuse, and a malformed token", () => {
    expect(problem({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: "has spaces!" })).toMatch(/TELEGRAM_WEBHOOK_SECRET/);
    expect(problem({ TELEGRAM_BOT_TOKEN: "not-a-token" })).toMatch(/TELEGRAM_BOT_TOKEN/);
  });

  it("asks for the token when other Telegram settings are set", () => {
    expect(problem({ TELEGRAM_MODE: "polling" })).toMatch(/TELEGRAM_BOT_TOKEN: missing/);
  });

  it("turns WhatsApp on with all four settings, with the pinned Graph API version", () => {
    expect(loadConfig(whatsapp).whatsapp).toMatchObject({ phoneNumberId: "100000000000001", apiBase: "https://graph.facebook.com/v21.0" });
  });

  it("names every WhatsApp setting that is missing when only some are set", () => {
    const message = problem({ WHATSAPP_ACCESS_TOKEN: "EAAG", WHATSAPP_APP_SECRET: "s" });
    expect(message).toMatch(/WHATSAPP_PHONE_NUMBER_ID: missing/);
    expect(message).toMatch(/WHATSAPP_VERIFY_TOKEN: missing/);
    expect(message).not.toMatch(/WHATSAPP_ACCESS_TOKEN: missing/);
  });

  it("treats blank variables as unset", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN, PUBLIC_URL: "" }).telegram?.mode).toBe("polling");
  });
});
