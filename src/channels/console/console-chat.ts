import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import type { Bot } from "../../dialog/bot.js";
import type { QuickReply } from "../../core/model.js";
import type { Messages } from "../../knowledge/schema.js";
import { renderForTerminal } from "./render.js";

export interface ConsoleChatOptions {
  bot: Bot;
  messages: () => Messages;
  user: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

const QUIT = /^\/(quit|exit)\s*$/i;

/**
 * The terminal channel. Interactive on a TTY (prompt, welcome, numbered quick
 * replies); with piped input it reads one message per line, echoes it, prints
 * the reply and ends at the end of input.
 */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { bot, user, input, output } = options;
  const tty = Boolean(input.isTTY && output.isTTY);
  const rl = createInterface({ input, output: tty ? output : undefined, terminal: tty });
  const say = (text: string) => output.write(`${text}\n\n`);
  const prompt = () => {
    if (tty) {
      rl.setPrompt("you › ");
      rl.prompt();
    }
  };
  if (tty) say(`rotabot › ${renderForTerminal({ text: options.messages().welcome }, tty)}`);
  prompt();

  let lastOptions: QuickReply[] = [];
  for await (const line of rl) {
    if (QUIT.test(line)) break;
    if (!tty) output.write(`you › ${line}\n`);
    const picked = /^\s*(\d{1,2})\s*$/.exec(line);
    const choice = picked ? lastOptions[Number(picked[1]) - 1] : undefined;
    try {
      const result = await bot.handle({
        id: randomUUID(),
        channel: "console",
        conversation: user,
        sender: user,
        text: choice ? choice.title : line,
        payload: choice?.payload,
        receivedAt: new Date(),
      });
      for (const reply of result.replies) say(`rotabot › ${renderForTerminal(reply, tty)}`);
      lastOptions = result.replies.at(-1)?.quickReplies ?? [];
    } catch {
      say(`rotabot › ${options.messages().error}`);
    }
    prompt();
  }
  rl.close();
}
