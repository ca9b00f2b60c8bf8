import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { z } from "zod";
import { withNumberedOptions } from "../channels/console/render.js";
import type { QuickReply } from "../core/model.js";
import type { Bot, HandleResult } from "../dialog/bot.js";

const lineSchema = z.object({
  conversation: z.string().min(1, "conversation must be a non-empty string"),
  text: z.string(),
});

export interface ReplayOutput {
  conversation: string | null;
  intent: string | null;
  reply: string | null;
  lead: { id: string; status: string } | null;
  error?: string;
}

/**
 * Reads JSON lines `{"conversation": "c1", "text": "..."}` and writes one JSON
 * line per input line, in order. A bad line yields an error object for that
 * line; it never stops the run.
 */
export async function replay(bot: Bot, input: NodeJS.ReadableStream, write: (line: string) => void): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const run = randomUUID();
  const picks: OptionsByConversation = new Map();
  let n = 0;
  for await (const line of rl) {
    n++;
    write(JSON.stringify(await replayLine(bot, line, n, `replay-${run}-${n}`, picks)));
  }
  return n;
}

/** Each conversation's last numbered options, so that a line "2" picks the second, as in the terminal. */
export type OptionsByConversation = Map<string, QuickReply[]>;

export async function replayLine(bot: Bot, line: string, n: number, id: string, picks?: OptionsByConversation): Promise<ReplayOutput> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    return failure(null, `line ${n}: invalid JSON (${(err as Error).message})`);
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) {
    const conversation = typeof (json as { conversation?: unknown })?.conversation === "string" ? (json as { conversation: string }).conversation : null;
    return failure(conversation, `line ${n}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ")}`);
  }
  const { conversation, text } = parsed.data;
  try {
    return (await replayTurn(bot, conversation, text, id, picks)).output;
  } catch (err) {
    return failure(conversation, `line ${n}: ${(err as Error).message}`);
  }
}

/**
 * One message of a replay through `bot.handle`, with the output line and the
 * bot's full result (citations and quick replies: what the eval scores).
 * Throws when the database fails.
 */
export async function replayTurn(bot: Bot, conversation: string, text: string, id: string, picks?: OptionsByConversation): Promise<{ output: ReplayOutput; result: HandleResult }> {
  // The replies are text with numbered options: a bare number picks one (its button's payload), as in the terminal.
  const number = /^\s*(\d{1,2})\s*$/.exec(text);
  const choice = number ? picks?.get(conversation)?.[Number(number[1]) - 1] : undefined;
  const result = await bot.handle({
    id,
    channel: "replay",
    conversation,
    sender: conversation,
    text: choice ? choice.title : text,
    ...(choice ? { payload: choice.payload } : {}),
    receivedAt: new Date(),
  });
  picks?.set(conversation, result.replies.at(-1)?.quickReplies ?? []);
  // Quick replies are part of what the student sees; a text-only output lists them as numbered options.
  // A turn that started, advanced or wrote to a lead reports it as it is after the turn.
  const lead = result.lead ? { id: String(result.lead.id), status: result.lead.status } : null;
  return { output: { conversation, intent: result.intent, reply: result.replies.map((r) => withNumberedOptions(r)).join("\n\n"), lead }, result };
}

function failure(conversation: string | null, error: string): ReplayOutput {
  return { conversation, intent: null, reply: null, lead: null, error };
}
