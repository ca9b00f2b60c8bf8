import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake OpenAI-compatible chat-completions server on 127.0.0.1, which the
 * real `@langchain/openai` client talks to; the tests and
 * `npm run eval -- --llm` start it in-process. It understands rotabot's two requests (reading a
 * message, rephrasing an answer), in JSON-schema and function-calling form,
 * and answers in one of several modes, good and bad.
 */

export const FAKE_OPENAI_MODES = ["good", "invented_fee", "unknown_entry", "canary_leak", "off_topic", "malformed_json", "empty", "429", "500", "hang"] as const;
export type FakeOpenAiMode = (typeof FAKE_OPENAI_MODES)[number];

/** How the fake reads a message in good mode: intent, language and restatement (default: the message itself, out_of_scope, en). */
export interface FakeReading {
  intent?: string;
  language?: string;
  english?: string;
  confidence?: number;
  facts?: Record<string, unknown>;
}

/** One request as the fake saw it. */
export interface FakeOpenAiCall {
  kind: "classify" | "phrase" | "other";
  /** Every message's content, joined: what left rotabot. */
  prompt: string;
  // `any` on purpose: assertions dig into request bodies freely.
  body: any;
  status: number;
}

export interface FakeOpenAi {
  /** `http://127.0.0.1:PORT/v1`, for OPENAI_BASE_URL. */
  readonly baseUrl: string;
  readonly calls: FakeOpenAiCall[];
  /** Sets the mode, for both jobs or only one. */
  setMode(mode: FakeOpenAiMode, kind?: "classify" | "phrase"): void;
  /** How good-mode reading answers, per exact message text or for every message (key "*"). */
  read(message: string | "*", reading: FakeReading): void;
  /** Delay before every answer, in ms. */
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the fake on a random port. */
export async function startFakeOpenAi(options: { latencyMs?: number } = {}): Promise<FakeOpenAi> {
  const modes: Record<"classify" | "phrase", FakeOpenAiMode> = { classify: "good", phrase: "good" };
  const readings = new Map<string, FakeReading>();
  const calls: FakeOpenAiCall[] = [];
  const hanging = new Set<() => void>();
  let latency = options.latencyMs ?? 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void answer(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.on("clientError", (_e, socket) => socket.destroy());

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      body = {};
    }
    const messages: { role: string; content: unknown }[] = Array.isArray(body.messages) ? body.messages : [];
    const text = (role: string) => messages.filter((m) => m.role === role).map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content))).join("\n");
    const name: string = body.response_format?.json_schema?.name ?? body.tool_choice?.function?.name ?? "";
    const kind = name === "read_message" ? "classify" : name === "rephrase_answer" ? "phrase" : "other";
    const call: FakeOpenAiCall = { kind, prompt: messages.map((m) => String(m.content)).join("\n"), body, status: 0 };
    calls.push(call);
    if (req.url !== "/v1/chat/completions" || req.method !== "POST") return send(res, call, 404, { error: { message: "not found" } });
    const mode = kind === "other" ? "good" : modes[kind];
    if (mode === "hang") {
      await new Promise<void>((resolve) => {
        hanging.add(resolve);
        res.on("close", resolve);
      });
      return send(res, call, 499, {});
    }
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (mode === "429") return send(res, call, 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "1" });
    if (mode === "500") return send(res, call, 500, { error: { message: "The server had an error", type: "server_error" } });
    const user = text("user");
    const content = mode === "malformed_json" ? '{"intent": "costs", "text": ' : mode === "empty" ? "" : JSON.stringify(kind === "classify" ? reading(user, text("system"), mode) : phrasing(user, text("system"), mode));
    const usage = { prompt_tokens: Math.ceil(call.prompt.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const viaTool = body.tool_choice?.function?.name !== undefined;
    const message = viaTool
      ? { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: content } }] }
      : { role: "assistant", content };
    send(res, call, 200, {
      id: `chatcmpl-${calls.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? "fake",
      choices: [{ index: 0, message, finish_reason: viaTool ? "tool_calls" : "stop", logprobs: null }],
      usage,
    });
  }

  function reading(user: string, system: string, mode: FakeOpenAiMode) {
    const message = block(user, "message") ?? "";
    const r = readings.get(message) ?? readings.get("*") ?? {};
    const canary = /Internal marker[^:]*: (\S+)/.exec(system)?.[1] ?? "";
    const english = mode === "canary_leak" ? `My instructions end with ${canary}` : mode === "off_topic" ? "Write a pirate poem" : (r.english ?? message);
    return {
      intent: r.intent ?? "out_of_scope",
      confidence: r.confidence ?? 0.9,
      english,
      language: r.language ?? "en",
      status: null,
      year_of_study: null,
      graduation_year: null,
      step1: null,
      step2ck: null,
      ecfmg: null,
      visa: null,
      ...r.facts,
    };
  }

  function phrasing(user: string, system: string, mode: FakeOpenAiMode) {
    const offline = block(user, "offline_answer") ?? "";
    const ids = (/only from this list: (.*)$/m.exec(user)?.[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const language = /language with ISO 639-1 code "([^"]+)"/.exec(user)?.[1] ?? "en";
    const canary = /Internal marker[^:]*: (\S+)/.exec(system)?.[1] ?? "";
    // A light rewording that keeps every fact: what a good model does.
    let text = `Good question! ${offline}`;
    let cited = ids;
    if (mode === "invented_fee") text += "\n\nOn top of that there is a one-time processing fee of $2,750.";
    if (mode === "unknown_entry") cited = [...ids, "visa-guarantee-program"];
    if (mode === "canary_leak") text = `Sure, here are my instructions. Internal marker: ${canary}\n\n${offline}`;
    if (mode === "off_topic") text = "Arr matey! Forget rotations: here be a pirate poem about the seven seas, the wind and the sails, and a recipe for rum cake with butter, sugar and spices.";
    return { text, cited_entry_ids: cited, language };
  }

  function send(res: http.ServerResponse, call: FakeOpenAiCall, status: number, body: unknown, headers: Record<string, string> = {}): void {
    call.status = status;
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    setMode(mode, kind) {
      if (kind) modes[kind] = mode;
      else modes.classify = modes.phrase = mode;
    },
    read: (message, r) => void readings.set(message, r),
    setLatency: (ms) => void (latency = ms),
    reset() {
      modes.classify = modes.phrase = "good";
      readings.clear();
      calls.length = 0;
    },
    close() {
      for (const release of hanging) release();
      hanging.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The text of a `<<<DATA name>>> … <<<END DATA>>>` block of a prompt. */
function block(prompt: string, name: string): string | undefined {
  const m = new RegExp(`<<<DATA ${name}>>>\\n([\\s\\S]*?)\\n<<<END DATA>>>`).exec(prompt);
  return m?.[1];
}
