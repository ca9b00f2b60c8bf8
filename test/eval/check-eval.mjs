// Validates test/eval/messages.jsonl and test/eval/conversations.jsonl against knowledge/.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const ROOT = process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const require = createRequire(ROOT + '/package.json');
const YAML = require('yaml');

const INTENTS = ['eligibility', 'costs', 'timing', 'rotation_types', 'documents', 'application_process',
  'recommendation_letters', 'residency_match', 'specialties', 'logistics', 'counselor', 'smalltalk', 'out_of_scope'];
const TAGS = ['typo', 'shorthand', 'informal', 'south_asian_english', 'multi_question', 'premise', 'out_of_scope',
  'emergency', 'counselor', 'smalltalk', 'personal', 'long'];
const SOURCES = ['verdict', 'estimate', 'dates', 'profile', 'fallback'];
const ROUTES = ['VSLO elective', 'Direct elective', 'Third-party rotation', 'Externship', 'Observership', 'Telehealth rotation'];

const errors = [];
const err = (where, msg) => errors.push(`${where}: ${msg}`);
const norm = (s) => s.toLowerCase().replace(/\*\*/g, '');

// ---- knowledge
const kdir = ROOT + '/knowledge';
const entries = new Map();
const examples = new Set();
const normQ = (s) => [s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, '').replace(/\s+/g, ' ').trim(),
                      s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()];
for (const f of readdirSync(kdir).filter((f) => f.endsWith('.md') && !f.startsWith('_'))) {
  const raw = readFileSync(`${kdir}/${f}`, 'utf8');
  const m = raw.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/);
  if (!m) { err(f, 'cannot parse front matter'); continue; }
  const fm = YAML.parse(m[1]);
  entries.set(fm.id, { id: fm.id, intent: fm.intent, body: norm(m[2]) });
  for (const q of fm.examples ?? []) for (const n of normQ(String(q))) examples.add(n);
}
const fallbackText = norm(YAML.parse(readFileSync(`${kdir}/_messages.yaml`, 'utf8')).fallback ?? '');
const vocab = YAML.parse(readFileSync(`${kdir}/_vocabulary.yaml`, 'utf8'));
const specialtyNames = Object.entries(vocab.specialties ?? {}).map(([, names]) => names.map(String));

// ---- helpers
function readJsonl(path) {
  const out = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try { out.push({ line: i + 1, obj: JSON.parse(line) }); } catch (e) { err(`${path}:${i + 1}`, `bad JSON: ${e.message}`); }
  });
  return out;
}
const ids = new Set();
const entryUse = new Map([...entries.keys()].map((k) => [k, 0]));
const intentCount = Object.fromEntries(INTENTS.map((i) => [i, 0]));
const tagCount = Object.fromEntries(TAGS.map((t) => [t, 0]));
const sourceCount = {};

function checkItem(where, it, priorTexts, isMessage) {
  if (typeof it.text !== 'string' || !it.text.trim()) err(where, 'missing text');
  if (!INTENTS.includes(it.intent)) err(where, `invalid intent ${it.intent}`);
  const also = it.also ?? [];
  if (!Array.isArray(also)) err(where, 'also must be an array');
  for (const a of also) if (!INTENTS.includes(a)) err(where, `invalid also intent ${a}`);
  const intents = [it.intent, ...also];
  if (!Array.isArray(it.facts)) { err(where, 'facts must be an array'); return; }
  if (it.source !== undefined && !SOURCES.includes(it.source)) err(where, `invalid source ${it.source}`);
  const personal = it.source !== undefined;
  if (it.facts.length === 0 && !(personal && !isMessage)) err(where, 'facts empty');
  if (it.facts.length > 3) err(where, 'more than 3 facts');
  if (it.facts.length < intents.length && !personal) err(where, `needs at least one fact per question (${intents.length})`);
  for (const n of normQ(it.text ?? '')) if (examples.has(n)) { err(where, `text equals a knowledge example: "${it.text}"`); break; }
  if (isMessage) {
    if (!Array.isArray(it.tags)) err(where, 'tags must be an array');
    for (const t of it.tags ?? []) { if (!TAGS.includes(t)) err(where, `invalid tag ${t}`); else tagCount[t]++; }
    if (also.length && !(it.tags ?? []).includes('multi_question')) err(where, 'has also but no multi_question tag');
  }
  if (personal) {
    sourceCount[it.source] = (sourceCount[it.source] ?? 0) + 1;
    for (const f of it.facts) {
      const ok = {
        verdict: () => ROUTES.some((r) => f === r || f === `${r}: open to you` || f === `${r}: not open to you`),
        estimate: () => /^\d+ weeks$/.test(f) || f === '$185',
        dates: () => f === 'Apply by' || f === 'Visa appointment',
        fallback: () => fallbackText.includes(norm(f)),
        profile: () => {
          const prior = norm(priorTexts.join(' \n '));
          if (prior.includes(norm(f)) || ['student', 'graduate'].includes(norm(f))) return true;
          const names = specialtyNames.find((ns) => ns[0] === norm(f));
          return !!names && names.some((n) => new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\b`).test(prior));
        },
      }[it.source]?.();
      if (!ok) err(where, `fact "${f}" not valid for source ${it.source}`);
    }
    return;
  }
  // knowledge facts
  const pool = [...entries.values()].filter((e) => intents.includes(e.intent));
  for (const f of it.facts) {
    if (typeof f !== 'string' || !f.trim()) { err(where, 'empty fact'); continue; }
    if (!pool.some((e) => e.body.includes(norm(f)))) err(where, `fact "${f}" not in any ${intents.join('/')} entry`);
  }
  const named = it.entries ?? [];
  for (const id of named) {
    const e = entries.get(id);
    if (!e) { err(where, `unknown entry ${id}`); continue; }
    if (!intents.includes(e.intent)) err(where, `entry ${id} has intent ${e.intent}, not in ${intents.join('/')}`);
    if (isMessage) entryUse.set(id, entryUse.get(id) + 1);
  }
  if (named.length) {
    for (const f of it.facts) if (!named.some((id) => entries.get(id)?.body.includes(norm(f)))) err(where, `fact "${f}" not in named entries ${named.join(', ')}`);
    for (const id of named) if (entries.get(id) && !it.facts.some((f) => entries.get(id).body.includes(norm(f)))) err(where, `no fact for entry ${id}`);
    // every listed intent must be represented by a named entry
    for (const i of intents) if (!named.some((id) => entries.get(id)?.intent === i)) err(where, `no named entry for intent ${i}`);
  }
}

// ---- messages
const msgs = readJsonl(ROOT + '/test/eval/messages.jsonl');
for (const { line, obj } of msgs) {
  const where = `messages.jsonl:${line} ${obj.id}`;
  if (!obj.id) err(where, 'missing id'); else if (ids.has(obj.id)) err(where, 'duplicate id'); else ids.add(obj.id);
  checkItem(where, obj, [], true);
  if (INTENTS.includes(obj.intent)) intentCount[obj.intent]++;
}
// ---- conversations
const convs = readJsonl(ROOT + '/test/eval/conversations.jsonl');
let turnCount = 0;
const turnIntent = Object.fromEntries(INTENTS.map((i) => [i, 0]));
for (const { line, obj } of convs) {
  const where = `conversations.jsonl:${line} ${obj.id}`;
  if (!obj.id) err(where, 'missing id'); else if (ids.has(obj.id)) err(where, 'duplicate id'); else ids.add(obj.id);
  if (!Array.isArray(obj.turns) || obj.turns.length < 2 || obj.turns.length > 6) { err(where, 'needs 2-6 turns'); continue; }
  const prior = [];
  obj.turns.forEach((t, i) => {
    prior.push(t.text ?? '');
    checkItem(`${where} turn ${i + 1}`, t, prior.slice(0, -1).concat(t.source === 'profile' ? [t.text] : []), false);
    turnCount++; if (INTENTS.includes(t.intent)) turnIntent[t.intent]++;
  });
}
// ---- the held-out forum set (test/eval/check-forum.mjs checks the rest): never a knowledge example
for (const file of ['forum.jsonl', 'forum-conversations.jsonl', 'forum-b.jsonl', 'forum-b-conversations.jsonl']) {
  for (const { line, obj } of readJsonl(ROOT + '/test/eval/' + file)) {
    for (const t of obj.turns ?? [obj]) {
      for (const n of normQ(t.text ?? '')) if (examples.has(n)) { err(`${file}:${line} ${obj.id}`, `text equals a knowledge example: "${t.text}"`); break; }
    }
  }
}
// ---- totals
if (msgs.length < 320) err('messages.jsonl', `only ${msgs.length} messages (need 320)`);
if (convs.length < 45) err('conversations.jsonl', `only ${convs.length} conversations (need 45)`);
for (const i of INTENTS) if (intentCount[i] < 12) err('messages.jsonl', `intent ${i} appears ${intentCount[i]} times (need 12)`);
for (const [id, n] of entryUse) if (n < 2) err('messages.jsonl', `entry ${id} covered ${n} times (need 2)`);

console.log(`messages: ${msgs.length}, conversations: ${convs.length}, turns: ${turnCount}`);
console.log('messages per intent:', JSON.stringify(intentCount));
console.log('turns per intent:', JSON.stringify(turnIntent));
console.log('messages per tag:', JSON.stringify(tagCount));
console.log('personal-computation items per source:', JSON.stringify(sourceCount));
console.log('messages with also:', msgs.filter((m) => m.obj.also?.length).length);
if (errors.length) { console.log(`\n${errors.length} problem(s):`); for (const e of errors) console.log(' - ' + e); process.exit(1); }
console.log('\nOK: all checks passed');
