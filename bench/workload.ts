/**
 * The benchmark's fixed message mix: questions across every intent, profile
 * statements, follow-ups, shorthand and noise, written independently of the
 * knowledge base's example questions.
 */
/**
 * Untimed turns each measured process runs first, on conversations of their own (JIT and WebAssembly tier-up), as in
 * every round since the first. V8 is still optimizing (and re-optimizing) the classifier then, on a background thread
 * that takes one of the machine's cores for 40-60 ms at a time; `--warmup 3000` measures a process that has settled.
 */
export const WARMUP_TURNS = 200;

export const BENCH_MESSAGES: readonly string[] = [
  "hi",
  "hello there",
  "how much does a rotation cost?",
  "what are the fees for an observership in the US",
  "can I do electives after graduating?",
  "I am a final year MBBS student from India",
  "I graduated in 2021",
  "passed step 1 last year",
  "how early should I apply?",
  "what's the difference between an observership and an externship?",
  "what is a sub internship",
  "how many letters of recommendation can I send through ERAS",
  "who uploads the LoR",
  "do I need Step 2 CS",
  "which documents do I need for an elective",
  "how do I apply through VSLO",
  "what visa do I need for a clinical rotation",
  "can I get paid during my rotation",
  "is telehealth rotation counted as USCE",
  "and for observerships?",
  "how much does it cost?",
  "how long are rotations usually",
  "does USCE help me match",
  "I'm interested in internal medicine",
  "which specialties need away rotations",
  "can someone call me",
  "I want to talk to a counselor",
  "thanks!",
  "what's the weather like in Boston",
  "I have chest pain what should I do",
  "",
  "🙂🙂🙂",
  "<script>alert(1)</script>",
  "'; DROP TABLE messages; --",
  "how much is housing during a rotation",
  "when does ERAS open",
  "is ECFMG certification needed for an observership",
  "how long is the visa wait in India",
  "are there scholarships for rotations",
  "tell me about research positions",
];

/** Deterministic pseudo-random numbers (mulberry32), so every run replays the same workload. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fixed workload: `turns` messages spread round-robin over `conversations`. */
export function workload(turns: number, conversations: number): { conversation: string; text: string }[] {
  const rand = prng(20261122);
  return Array.from({ length: turns }, (_, i) => ({
    conversation: `bench-${i % conversations}`,
    text: BENCH_MESSAGES[Math.floor(rand() * BENCH_MESSAGES.length)] as string,
  }));
}
