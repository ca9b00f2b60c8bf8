import { expect } from "vitest";
import type { Bot, HandleResult } from "../../src/dialog/bot.js";
import type { Intent } from "../../src/core/intents.js";
import type { Channel } from "../../src/core/model.js";

let counter = 0;

/**
 * Scripts a conversation in the style of botbuilder's TestAdapter:
 * `await talk(bot).user("hi").expectReply(/rotation/).user(…)`.
 * Steps run in order when the chain is awaited.
 */
export function talk(bot: Bot, conversation = `c${++counter}`, channel: Channel = "test") {
  const steps: (() => Promise<void>)[] = [];
  let last: HandleResult | undefined;
  const lastText = () => (last?.replies ?? []).map((r) => r.text).join("\n\n");
  const chain = {
    user(text: string, payload?: string) {
      steps.push(async () => {
        last = await bot.handle({ id: `m${++counter}`, channel, conversation, sender: conversation, text, payload, receivedAt: new Date() });
      });
      return chain;
    },
    expectIntent(intent: Intent) {
      steps.push(async () => expect(last?.intent, `intent for: ${lastText().slice(0, 80)}`).toBe(intent));
      return chain;
    },
    expectReply(check: RegExp | ((text: string, result: HandleResult) => void)) {
      steps.push(async () => {
        if (check instanceof RegExp) expect(lastText()).toMatch(check);
        else check(lastText(), last as HandleResult);
      });
      return chain;
    },
    expectNoReply(pattern: RegExp) {
      steps.push(async () => expect(lastText()).not.toMatch(pattern));
      return chain;
    },
    then<T>(resolve: (v: HandleResult | undefined) => T, reject?: (e: unknown) => T) {
      return (async () => {
        for (const step of steps) await step();
        return last;
      })().then(resolve, reject);
    },
  };
  return chain;
}
