import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { INTENTS } from "../src/core/intents.js";
import { PACKAGE_ROOT } from "../src/config.js";

export const EVAL_DIR = join(PACKAGE_ROOT, "test", "eval");

/**
 * The two labelled sets. `main`: written beside the classifier (test/eval/messages.jsonl and
 * conversations.jsonl). `forum`: forum-style posts written by someone who had not read src/ and
 * did not see the bot's failures (forum.jsonl, forum-conversations.jsonl); `forum-b`: a second such set,
 * written later by another agent, whose failures `npm run eval` does not list (so nobody reads them to tune).
 */
export const EVAL_SETS = {
  main: { messages: "messages.jsonl", conversations: "conversations.jsonl", prefix: "" },
  forum: { messages: "forum.jsonl", conversations: "forum-conversations.jsonl", prefix: "" },
  /** A second held-out set by another agent that read neither src/ nor the forum set; only its figures are printed. */
  "forum-b": { messages: "forum-b.jsonl", conversations: "forum-b-conversations.jsonl", prefix: "" },
} as const;
export type EvalSetName = keyof typeof EVAL_SETS;

/** Per asked question, the entry that should answer it, or several that would each be right. */
const entriesSchema = z.array(z.union([z.string(), z.array(z.string()).min(1)])).optional();
const expectation = {
  text: z.string(),
  intent: z.enum(INTENTS),
  also: z.array(z.enum(INTENTS)).optional(),
  facts: z.array(z.string()),
  entries: entriesSchema,
};
const messageSchema = z.object({ id: z.string(), ...expectation }).passthrough();
const conversationSchema = z
  .object({ id: z.string(), description: z.string().optional(), turns: z.array(z.object(expectation).passthrough()).min(1) })
  .passthrough();

export interface EvalCase {
  id: string;
  set: EvalSetName;
  conversation: string;
  text: string;
  intent: string;
  facts: string[];
  /** Per question, the entry ids that would each answer it right; empty when no entry was labelled. */
  entries: string[][];
}

function readJsonLines<T>(file: string, schema: z.ZodType<T>): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = schema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return parsed.data;
    });
}

const alternatives = (entries: (string | string[])[] | undefined): string[][] => (entries ?? []).map((e) => (typeof e === "string" ? [e] : e));

/** Every labelled turn of one set, in order: single messages first, then each conversation's turns. */
export function loadEvalSet(set: EvalSetName = "main", dir = EVAL_DIR): EvalCase[] {
  const files = EVAL_SETS[set];
  const messages = readJsonLines(join(dir, files.messages), messageSchema).map((m) => ({
    id: m.id,
    set,
    conversation: `eval-${m.id}`,
    text: m.text,
    intent: m.intent,
    facts: m.facts,
    entries: alternatives(m.entries),
  }));
  const turns = readJsonLines(join(dir, files.conversations), conversationSchema).flatMap((c) =>
    c.turns.map((t, i) => ({ id: `${c.id}#${i + 1}`, set, conversation: `eval-${c.id}`, text: t.text, intent: t.intent, facts: t.facts, entries: alternatives(t.entries) })),
  );
  return [...messages, ...turns];
}
