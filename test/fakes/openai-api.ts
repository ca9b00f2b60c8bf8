/**
 * The fake OpenAI-compatible server for tests. It is implemented in
 * src/cli/fake-openai.ts because `npm run eval -- --llm` starts it too, and
 * the build of src/ cannot import test/.
 */
export { FAKE_OPENAI_MODES, startFakeOpenAi, type FakeOpenAi, type FakeOpenAiCall, type FakeOpenAiMode, type FakeReading } from "../../src/cli/fake-openai.js";
