import { describe, expect, it } from "vitest";
import { spaceCalls } from "../../../src/channels/telegram/spacing.js";

/** A stand-in for the HTTP call: records when each call really started. */
function recorder() {
  const starts: { method: string; at: number }[] = [];
  const prev = (async (method: string) => {
    starts.push({ method, at: performance.now() });
    return { ok: true, result: method };
  }) as unknown as Parameters<ReturnType<typeof spaceCalls>>[0];
  return { starts, prev };
}

const gaps = (xs: { at: number }[]) => xs.slice(1).map((x, i) => x.at - (xs[i] as { at: number }).at);

describe("spacing Telegram calls in real time", () => {
  it("starts calls released together (as timers fire after a stall) at least the gap apart, in order", async () => {
    const space = spaceCalls(30, () => performance.now());
    const { starts, prev } = recorder();
    const methods = ["sendMessage:1", "sendMessage:2", "sendMessage:3", "sendMessage:4", "sendMessage:5"];
    const results = await Promise.all(methods.map((m) => space(prev, m as "sendMessage", {} as never)));
    expect(results.map((r) => (r as { result: string }).result)).toEqual(methods);
    expect(starts.map((s) => s.method)).toEqual(methods);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(29);
  });

  it("keeps the gap after the event loop was blocked while calls waited", async () => {
    const space = spaceCalls(30, () => performance.now());
    const { starts, prev } = recorder();
    const calls = [1, 2, 3, 4].map((n) => space(prev, `sendMessage:${n}` as "sendMessage", {} as never));
    // A busy loop of 120 ms: every timer set meanwhile is due when it ends, and must still not release a burst.
    const until = performance.now() + 120;
    while (performance.now() < until) {
      /* busy */
    }
    await Promise.all(calls);
    expect(starts).toHaveLength(4);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(29);
  });

  it("does not delay a call that comes after a quiet spell", async () => {
    let clock = 1_000;
    const space = spaceCalls(30, () => clock);
    const { starts, prev } = recorder();
    await space(prev, "sendMessage" as const, {} as never);
    clock += 100;
    let done = false;
    const second = space(prev, "sendMessage" as const, {} as never).then(() => (done = true));
    // The previous call started more than the gap ago: no timer is set, so it is done before the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    await second;
    expect(starts).toHaveLength(2);
  });
});
