import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../helpers/databases.js";
import { startTestServer, TELEGRAM_SECRET, type TestServer } from "../helpers/server.js";
import { postTelegram, tgText } from "../helpers/telegram-updates.js";
import { startFakeOpenAi, type FakeOpenAi } from "../fakes/openai-api.js";

// rotabot serve with the LLM layer: on PostgreSQL the layer lives in the worker thread, on PGlite in the server's.
describe.each(databaseKinds)("rotabot serve with the LLM layer on $name", ({ name }) => {
  let t: TestServer;
  let fake: FakeOpenAi;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await startTestServer(name, { env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseUrl, LLM_TIMEOUT_MS: "1500", LLM_MAX_RETRIES: "0" } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it("asks the model about a message in another language, answers from the knowledge base, and counts the request on /metrics", async () => {
    const question = "¿Cuánto cuesta una observación clínica en Estados Unidos?";
    fake.read(question, { intent: "costs", language: "es", english: "how much does an observership cost?" });
    const chat = 8_800_001 + (name === "postgres" ? 1 : 0);
    expect((await postTelegram(t.url, tgText({ chatId: chat, text: question }), { secret: TELEGRAM_SECRET })).status).toBe(200);
    await t.until(() => t.telegram.sent(chat).length === 1, "the reply");
    expect(fake.calls.some((c) => c.kind === "classify")).toBe(true);
    expect(t.telegram.sent(chat)[0]?.text).toMatch(/observ/i);
    // A worker thread sends its counters every second.
    await t.until(async () => /rotabot_llm_requests_total\{kind="classify",outcome="ok"\} [1-9]/.test(await (await fetch(`${t.url}/metrics`)).text()), "the LLM counters on /metrics", 5000);
  });
});
