import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { keepChildLog } from "./logs.js";
import type { FakeGraph } from "../fakes/graph-api.js";
import type { FakeTelegram } from "../fakes/telegram-api.js";
import { KNOWLEDGE_DIR } from "./bot.js";
import { TELEGRAM_SECRET, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN } from "./server.js";

const BIN = fileURLToPath(new URL("../../src/bin.js", import.meta.url));

/** Settings read by src/config.ts: never inherited from the test run, only given. */
const CONFIG_VARS = /^(DATABASE_URL|ROTABOT_|KNOWLEDGE_DIR|LOG_LEVEL|MAX_MESSAGE_CHARS|PORT|PUBLIC_URL|RATE_LIMIT_PER_MINUTE|WORKER_CONCURRENCY|TELEGRAM_|WHATSAPP_)/;

/** `rotabot serve` running as a child process. */
export interface ServeProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Sends a signal (default SIGTERM); false when the process is already gone. */
  kill(signal?: NodeJS.Signals): boolean;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** The signal that ended it, once exited. */
  readonly signal: NodeJS.Signals | null;
  /** Everything written on stderr so far (pino JSON lines). */
  stderr(): string;
  /** The JSON log lines so far, parsed (other lines skipped). */
  logs(): Record<string, unknown>[];
}

/**
 * The environment of a `rotabot serve` that talks to the fakes: Telegram in
 * webhook mode (the fake requires an https PUBLIC_URL), WhatsApp when a fake
 * Graph API is given, on the given PostgreSQL database, random port.
 */
export function serveEnv(o: { telegram: FakeTelegram; graph?: FakeGraph; databaseUrl: string; env?: Record<string, string> }): Record<string, string> {
  return {
    PORT: "0",
    PUBLIC_URL: "https://rotabot.example.org",
    KNOWLEDGE_DIR,
    LOG_LEVEL: "debug",
    DATABASE_URL: o.databaseUrl,
    TELEGRAM_BOT_TOKEN: o.telegram.token,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_ROOT: o.telegram.url,
    ...(o.graph
      ? {
          WHATSAPP_ACCESS_TOKEN: o.graph.accessToken,
          WHATSAPP_PHONE_NUMBER_ID: o.graph.phoneNumberId,
          WHATSAPP_APP_SECRET,
          WHATSAPP_VERIFY_TOKEN,
          WHATSAPP_API_BASE: `${o.graph.url}/${o.graph.version}`,
        }
      : {}),
    ...o.env,
  };
}

/**
 * Spawns `node src/bin.js serve` with `env` (on top of the test run's
 * environment minus every rotabot setting) and resolves once it logs
 * "rotabot serve is listening", with the port from that line. Rejects, and
 * kills the child, when it exits first or takes longer than `timeoutMs`.
 */
export async function startServeProcess(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<ServeProcess> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_VARS.test(k)));
  const child = spawn(process.execPath, [BIN, "serve"], { env: { ...base, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  let signal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, sig) => {
      signal = sig;
      resolve(code);
    });
  });
  child.on("close", () => keepChildLog("serve", err));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`rotabot serve did not start within ${options.timeoutMs ?? 30_000} ms:\n${err.slice(-2000)}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /"port":(\d+)[^\n]*"msg":"rotabot serve is listening"/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rotabot serve exited with ${code ?? signal} before listening:\n${err.slice(-2000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    kill: (sig = "SIGTERM") => child.exitCode === null && child.signalCode === null && child.kill(sig),
    exited,
    get signal() {
      return signal;
    },
    stderr: () => err,
    logs() {
      return err.split("\n").flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === "object" && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      });
    },
  };
}
