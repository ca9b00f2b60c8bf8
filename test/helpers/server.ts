import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { startServer, type RunningServer, type ServeOptions } from "../../src/serve.js";
import type { SqlDriver } from "../../src/storage/driver.js";
import { startFakeGraph, type FakeGraph } from "../fakes/graph-api.js";
import { botInfo, startFakeTelegram, type FakeTelegram } from "../fakes/telegram-api.js";
import { createPostgresTestUrl } from "./databases.js";
import { KNOWLEDGE_DIR } from "./bot.js";
import { testLogger } from "./logs.js";

export const TELEGRAM_SECRET = "test_secret-0123456789";
export const WHATSAPP_APP_SECRET = "whatsapp-app-secret";
export const WHATSAPP_VERIFY_TOKEN = "verify-me";

export interface TestServer {
  /** http://127.0.0.1:PORT of rotabot serve. */
  url: string;
  server: RunningServer;
  telegram: FakeTelegram;
  graph: FakeGraph;
  db: SqlDriver;
  /** Waits until `check` returns true, polling; throws with `what` after `ms`. */
  until(check: () => boolean | Promise<boolean>, what: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  serve?: Partial<ServeOptions>;
  logger?: Logger;
  /** Start the fakes yourself to pass options to them. */
  telegram?: FakeTelegram;
  graph?: FakeGraph;
}

/**
 * `rotabot serve` in this process on a random port, with Telegram (webhook
 * mode) and WhatsApp pointed at fresh local fakes, on a fresh database of the
 * given kind. The real grammY and our WhatsApp client talk to the fakes.
 */
export async function startTestServer(kind: "pglite" | "postgres", options: TestServerOptions = {}): Promise<TestServer> {
  const telegram = options.telegram ?? (await startFakeTelegram({ perChatMs: 0 }));
  const graph = options.graph ?? (await startFakeGraph());
  const pg = kind === "postgres" ? await createPostgresTestUrl() : undefined;
  const config = loadConfig({
    PORT: "0",
    KNOWLEDGE_DIR,
    PUBLIC_URL: "https://rotabot.example.org",
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_ROOT: telegram.url,
    WHATSAPP_ACCESS_TOKEN: graph.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: graph.phoneNumberId,
    WHATSAPP_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN,
    WHATSAPP_API_BASE: `${graph.url}/${graph.version}`,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...options.env,
  });
  const storage = pg ? { kind: "postgres" as const, url: pg.url } : { kind: "pglite" as const, loadDataDir: new Blob([readFileSync(inject("pgliteSnapshot"))]) };
  const server = await startServer(config, {
    logger: options.logger ?? testLogger(),
    storage,
    host: "127.0.0.1",
    telegramBotInfo: botInfo,
    telegramPerChatMinMs: 0,
    sweepMs: 200,
    watchKnowledge: false,
    ...options.serve,
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    server,
    telegram,
    graph,
    db: server.storage.driver,
    async until(check, what, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await server.close();
      await Promise.all([telegram.close(), graph.close()]);
      await pg?.drop();
    },
  };
}
