import { describe, expect, it } from "vitest";
import { createPollingLoop } from "../../src/core/polling-loop.js";

describe("the polling loop of the outbox relays", () => {
  it("runs passes back to back while they do work, waits when one does nothing, and wakes on notify", async () => {
    const work = [2, 1, 0];
    let passes = 0;
    const loop = createPollingLoop(async () => {
      passes++;
      return work.shift() ?? 0;
    }, { pollMs: 60_000, onError: () => {} });
    loop.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(passes).toBe(3);
    loop.notify();
    await new Promise((r) => setTimeout(r, 50));
    expect(passes).toBe(4);
    await loop.stop();
    expect(loop.stopping).toBe(true);
  });

  it("reports a failed pass and keeps going", async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const loop = createPollingLoop(async () => {
      passes++;
      if (passes === 1) throw new Error("database down");
      return 0;
    }, { pollMs: 10, onError: (err) => errors.push(err) });
    loop.start();
    await new Promise((r) => setTimeout(r, 60));
    await loop.stop();
    expect(errors).toHaveLength(1);
    expect(passes).toBeGreaterThan(1);
  });
});
