import { setTimeout as sleep } from "node:timers/promises";
import type { Transformer } from "grammy";

/**
 * A grammY API transformer that starts calls at least `minMs` apart, measured
 * when each call really starts. The throttler (Bottleneck) spaces calls by the
 * timers it sets, and when the event loop has been busy those timers fire
 * together: a burst that Telegram's 30 messages/s counts. Here each call waits
 * for the one before it to have started, then for what is left of `minMs`
 * after that start, so a stall delays calls but never bunches them. Install
 * it first (it then runs last, just before the HTTP request).
 */
export function spaceCalls(minMs: number, now: () => number = Date.now): Transformer {
  let lastStart = -Infinity;
  let queue: Promise<void> = Promise.resolve();
  const turn = async () => {
    for (let wait = lastStart + minMs - now(); wait > 0; wait = lastStart + minMs - now()) await sleep(wait);
    lastStart = now();
  };
  return (prev, method, payload, signal) => {
    const started = queue.then(turn);
    queue = started;
    return started.then(() => prev(method, payload, signal));
  };
}
