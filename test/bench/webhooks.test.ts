import { describe, expect, it } from "vitest";
import { runWebhookBench } from "../../bench/webhooks.js";

/**
 * A short run of the webhook load test of `npm run bench`, so that its
 * accounting (requests, replies, lost, duplicates) is known to work before
 * anyone quotes its figures. Speed is not checked here: figures come from
 * `npm run bench` on a quiet machine.
 */
describe("rotabot bench, webhook load", () => {
  it("posts evenly spaced signed requests to both webhooks and the web chat, and finds one reply for each", async () => {
    const lines: string[] = [];
    const figures = await runWebhookBench({ seconds: 1, telegramSeconds: 1, rate: 20, chats: 10 }, (line) => void lines.push(line));
    expect(figures.map((f) => f.channel)).toEqual(["telegram", "whatsapp", "webchat"]);
    for (const f of figures) {
      expect(f.requests).toBeGreaterThanOrEqual(15);
      expect(f.non2xx + f.errors).toBe(0);
      // Every request of the load and of the warm-up got its one reply.
      expect(f.accepted).toBeGreaterThanOrEqual(f.requests + 100);
      expect(f.replies).toBeGreaterThanOrEqual(f.requests);
      expect(f.lost).toBe(0);
      expect(f.duplicates).toBe(0);
    }
    expect(lines[0]).toMatch(/^webhooks: 20 req\/s over loopback \(loadtest, one request every 50 ms/);
    expect(lines.slice(1).join("\n")).toMatch(/whatsapp webhook .* lost 0 {2}duplicates 0/);
    expect(lines.at(-1)).toMatch(/^webchat POST .* reply on the stream p50 \d+ ms {2}p99 \d+ ms .* lost 0 {2}duplicates 0$/);
  }, 180_000);
});
