#!/usr/bin/env node
// Validates forum-b.jsonl and forum-b-conversations.jsonl against the knowledge base.
// Usage: node test/eval/check-forum-b.mjs [ROOT]. Only dependency: the `yaml` package.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';


const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : join(HERE, '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const YAML = require('yaml');
const KB_DIR = join(ROOT, 'knowledge');
const MSG_FILE = join(HERE, 'forum-b.jsonl');
const CONV_FILE = join(HERE, 'forum-b-conversations.jsonl');
const VERBOSE = process.argv.includes('--verbose');

const INTENTS = new Set([
  'eligibility', 'costs', 'timing', 'rotation_types', 'documents', 'application_process',
  'recommendation_letters', 'residency_match', 'specialties', 'logistics', 'counselor',
  'smalltalk', 'out_of_scope',
]);
const TAGS = new Set([
  'story', 'multi_question', 'hinglish', 'typo', 'shorthand', 'informal', 'south_asian_english',
  'run_on', 'out_of_scope', 'counselor', 'trap', 'short', 'long', 'personal',
]);
// Claims the December 2026 audit marks outdated, wrong, misleading or unverifiable.
// A required fact must not lean on them.
const AUDIT_FLAGGED = [
  'cleveland clinic', 'johns hopkins', 'hopkins', 'kumc', '$5,000', '5,000', '3,000–5,000',
  '6–14 months', 'rescheduled only once', 'june 2025', 'november 2022', '1,000 days',
  '2025', '2026', '2027', '52,498', '43,237', '40,041', '58.0', '67.8',
  'diversity scholarship', 'nih', 'toefl 108', 'first priority', 'saint peter', '$1,500 for 2 weeks',
  'uab huntsville', 'brown', 'first-come', 'requires step 3', 'which requires **step 3**',
  'about 6 months is a safe target', '4–12 months ahead', 'a year before your rotation',
  'letter id', 'visa integrity fee', 'larkin', 'americlerkships', '$600–1,500',
  'ds-160, $185 fee, interview', 'electives only', '$899', '45 days',
];
const LONG_MIN = 250;
const LONG_MAX = 900;
const SHORT_MAX = 80;
const MIN_MESSAGES = 160;
const MIN_CONVERSATIONS = 20;
const MIN_PER_INTENT = 6;
const MIN_DISTINCT_ENTRIES = 55;
const SIMILARITY_LIMIT = 0.7; // normalised Levenshtein similarity at or above this = "light edit"

const errors = [];
const warnings = [];
const err = (where, msg) => errors.push(`${where}: ${msg}`);
const warn = (where, msg) => warnings.push(`${where}: ${msg}`);

// ---------- knowledge base ----------
const collapse = (s) => s.replace(/\s+/g, ' ').trim();
const normBody = (s) => collapse(s.replace(/\*\*/g, '').toLowerCase());
const normText = (s) => collapse(s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' '));

const kb = new Map(); // id -> { intent, body, examples }
for (const file of readdirSync(KB_DIR).filter((f) => f.endsWith('.md')).sort()) {
  const raw = readFileSync(join(KB_DIR, file), 'utf8');
  const m = raw.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/);
  if (!m) { err(`knowledge/${file}`, 'no front matter'); continue; }
  const fm = YAML.parse(m[1]);
  kb.set(fm.id, { intent: fm.intent, body: normBody(m[2]), examples: fm.examples ?? [], file });
}
const examples = [];
for (const [id, e] of kb) for (const ex of e.examples) examples.push({ id, raw: ex, norm: normText(String(ex)) });
const exampleSet = new Map(examples.map((e) => [e.norm, e]));

function levenshtein(a, b) {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
const similarity = (a, b) => 1 - levenshtein(a, b) / Math.max(a.length, b.length);

// ---------- validation of one labelled utterance ----------
const allTexts = new Map(); // normalised text -> where
const entryUse = new Map();
const intentCount = new Map();
const alsoCount = new Map();
const tagCount = new Map();
let maxSim = { sim: 0 };
const bump = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);

function checkLabelled(where, o, { countStats, tagsRequired }) {
  // text
  if (typeof o.text !== 'string' || !o.text.trim()) { err(where, 'missing text'); return; }
  const n = normText(o.text);
  if (!n) err(where, 'text is empty after normalisation');
  if (exampleSet.has(n)) err(where, `text equals knowledge example of ${exampleSet.get(n).id}: "${exampleSet.get(n).raw}"`);
  for (const ex of examples) {
    const s = similarity(n, ex.norm);
    if (s > maxSim.sim) maxSim = { sim: s, where, example: ex.raw, id: ex.id };
    if (s >= SIMILARITY_LIMIT && !exampleSet.has(n)) err(where, `text is a light edit (similarity ${s.toFixed(2)}) of example of ${ex.id}: "${ex.raw}"`);
  }
  if (allTexts.has(n)) err(where, `duplicate text (also ${allTexts.get(n)})`);
  else allTexts.set(n, where);

  // intent / also
  if (!INTENTS.has(o.intent)) err(where, `invalid intent ${JSON.stringify(o.intent)}`);
  const also = o.also ?? [];
  if (!Array.isArray(also)) err(where, 'also must be an array');
  for (const a of also) if (!INTENTS.has(a)) err(where, `invalid also intent ${JSON.stringify(a)}`);
  const questionIntents = [o.intent, ...also];

  // entries
  if (!Array.isArray(o.entries) || o.entries.length === 0) { err(where, 'entries must be a non-empty array'); return; }
  if (o.entries.length !== questionIntents.length) err(where, `entries (${o.entries.length}) must be one per question (intent + also = ${questionIntents.length})`);
  const slots = o.entries.map((s) => (Array.isArray(s) ? s : [s]));
  slots.forEach((alts, i) => {
    if (alts.length === 0) err(where, `entries[${i}] is an empty alternative list`);
    for (const id of alts) {
      if (typeof id !== 'string' || !kb.has(id)) { err(where, `unknown entry ${JSON.stringify(id)}`); continue; }
      const ei = kb.get(id).intent;
      if (!questionIntents.includes(ei)) err(where, `entry ${id} has intent ${ei}, not among intent/also ${JSON.stringify(questionIntents)}`);
      if (questionIntents[i] !== undefined && ei !== questionIntents[i]) err(where, `entries[${i}] ${id} has intent ${ei} but question ${i} is labelled ${questionIntents[i]}`);
      if (countStats) bump(entryUse, id);
    }
  });

  // facts
  if (!Array.isArray(o.facts) || o.facts.length < 1 || o.facts.length > 3) err(where, 'facts must hold 1-3 strings');
  const facts = Array.isArray(o.facts) ? o.facts : [];
  const namedIds = slots.flat().filter((id) => kb.has(id));
  const slotCovered = slots.map(() => false);
  for (const f of facts) {
    if (typeof f !== 'string') { err(where, 'fact is not a string'); continue; }
    const words = collapse(f).split(' ').length;
    if (words < 3 || words > 8) err(where, `fact "${f}" has ${words} words (want 3-8)`);
    const nf = normBody(f);
    for (const bad of AUDIT_FLAGGED) if (nf.includes(bad)) err(where, `fact "${f}" relies on an audit-flagged claim ("${bad}")`);
    const hits = namedIds.filter((id) => kb.get(id).body.includes(nf));
    if (hits.length === 0) err(where, `fact "${f}" not found in the body of ${JSON.stringify(namedIds)}`);
    slots.forEach((alts, i) => { if (alts.some((id) => hits.includes(id))) slotCovered[i] = true; });
  }
  slotCovered.forEach((ok, i) => { if (!ok) err(where, `no fact found in the body of entries[${i}] ${JSON.stringify(slots[i])}`); });

  // tags
  const tags = o.tags ?? [];
  if (!Array.isArray(tags)) err(where, 'tags must be an array');
  if (tagsRequired && tags.length === 0) err(where, 'tags must not be empty');
  for (const t of tags) if (!TAGS.has(t)) err(where, `invalid tag ${JSON.stringify(t)}`);
  if (new Set(tags).size !== tags.length) err(where, 'duplicate tags');
  if (tagsRequired) {
    const len = o.text.length;
    if (also.length > 0 && !tags.includes('multi_question')) err(where, 'several questions but no multi_question tag');
    if (also.length === 0 && tags.includes('multi_question')) err(where, 'multi_question tag but no also');
    if ((o.intent === 'out_of_scope') !== tags.includes('out_of_scope')) err(where, 'out_of_scope tag must match intent out_of_scope');
    if ((o.intent === 'counselor') !== tags.includes('counselor')) err(where, 'counselor tag must match intent counselor');
    if (tags.includes('long') !== (len >= LONG_MIN)) err(where, `long tag must be set iff text has >= ${LONG_MIN} chars (has ${len})`);
    if (tags.includes('short') !== (len <= SHORT_MAX)) err(where, `short tag must be set iff text has <= ${SHORT_MAX} chars (has ${len})`);
    if (len > LONG_MAX) err(where, `text longer than ${LONG_MAX} chars (${len})`);
  }
  if (countStats) {
    bump(intentCount, o.intent);
    for (const a of also) bump(alsoCount, a);
    for (const t of tags) bump(tagCount, t);
  }
}

function readJsonl(file) {
  let raw;
  try { raw = readFileSync(file, 'utf8'); } catch (e) { err(file, `cannot read: ${e.message}`); return []; }
  const out = [];
  raw.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try { out.push(JSON.parse(line)); } catch (e) { err(`${file}:${i + 1}`, `JSON parse error: ${e.message}`); }
  });
  return out;
}

// ---------- messages ----------
const messages = readJsonl(MSG_FILE);
const ids = new Set();
let longCount = 0;
const lengths = [];
messages.forEach((o, i) => {
  const where = `forum-b.jsonl#${i + 1}${o?.id ? ` (${o.id})` : ''}`;
  if (typeof o.id !== 'string' || !/^g\d{3}$/.test(o.id)) err(where, 'id must look like g001');
  if (ids.has(o.id)) err(where, `duplicate id ${o.id}`);
  ids.add(o.id);
  const expected = `g${String(i + 1).padStart(3, '0')}`;
  if (o.id !== expected) err(where, `ids must run in order: expected ${expected}`);
  const allowed = new Set(['id', 'text', 'intent', 'also', 'entries', 'facts', 'tags']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) err(where, `unexpected field ${k}`);
  checkLabelled(where, o, { countStats: true, tagsRequired: true });
  if (typeof o.text === 'string') {
    lengths.push(o.text.length);
    if (o.text.length >= LONG_MIN && o.text.length <= LONG_MAX) longCount++;
  }
});

// ---------- conversations ----------
const convs = readJsonl(CONV_FILE);
const convIds = new Set();
const convEntryUse = new Map();
let turnCount = 0;
convs.forEach((c, i) => {
  const where = `forum-b-conversations.jsonl#${i + 1}${c?.id ? ` (${c.id})` : ''}`;
  if (typeof c.id !== 'string' || !/^gc\d{2}$/.test(c.id)) err(where, 'id must look like gc01');
  if (convIds.has(c.id) || ids.has(c.id)) err(where, `duplicate id ${c.id}`);
  convIds.add(c.id);
  const expected = `gc${String(i + 1).padStart(2, '0')}`;
  if (c.id !== expected) err(where, `ids must run in order: expected ${expected}`);
  const allowed = new Set(['id', 'tags', 'turns', 'note']);
  for (const k of Object.keys(c)) if (!allowed.has(k)) err(where, `unexpected field ${k}`);
  for (const t of c.tags ?? []) if (!TAGS.has(t)) err(where, `invalid tag ${JSON.stringify(t)}`);
  if (!Array.isArray(c.turns) || c.turns.length < 2 || c.turns.length > 4) { err(where, 'turns must hold 2-4 user turns'); return; }
  let dependent = 0;
  c.turns.forEach((t, j) => {
    const tw = `${where} turn ${j + 1}`;
    const allowedT = new Set(['text', 'intent', 'also', 'entries', 'facts', 'tags', 'depends_on_context', 'after_bot']);
    for (const k of Object.keys(t)) if (!allowedT.has(k)) err(tw, `unexpected field ${k}`);
    if (j === 0 && t.depends_on_context) err(tw, 'the first turn cannot depend on context');
    if (j > 0 && typeof t.depends_on_context !== 'boolean') err(tw, 'depends_on_context (boolean) required on follow-up turns');
    if (t.after_bot !== undefined && (typeof t.after_bot !== 'string' || j === 0)) err(tw, 'after_bot must be a string on a follow-up turn');
    if (t.depends_on_context) dependent++;
    checkLabelled(tw, t, { countStats: false, tagsRequired: false });
    for (const s of t.entries ?? []) for (const id of (Array.isArray(s) ? s : [s])) bump(convEntryUse, id);
    turnCount++;
  });
  if (dependent === 0) err(where, 'at least one follow-up must depend on context');
});

// ---------- corpus-level requirements ----------
if (messages.length < MIN_MESSAGES) err('forum-b.jsonl', `only ${messages.length} messages (want >= ${MIN_MESSAGES})`);
if (convs.length < MIN_CONVERSATIONS) err('forum-b-conversations.jsonl', `only ${convs.length} conversations (want >= ${MIN_CONVERSATIONS})`);
for (const intent of INTENTS) {
  if (intent === 'smalltalk') continue;
  const n = intentCount.get(intent) ?? 0;
  if (n < MIN_PER_INTENT) err('forum-b.jsonl', `intent ${intent} used ${n} times as primary intent (want >= ${MIN_PER_INTENT})`);
}
if (entryUse.size < MIN_DISTINCT_ENTRIES) err('forum-b.jsonl', `only ${entryUse.size} distinct entries (want >= ${MIN_DISTINCT_ENTRIES})`);
if (messages.length && longCount * 3 < messages.length) err('forum-b.jsonl', `only ${longCount} of ${messages.length} messages are ${LONG_MIN}-${LONG_MAX} chars (want a third)`);

// mix targets (warnings only: the brief gives approximate shares)
const share = (t) => (tagCount.get(t) ?? 0) / Math.max(messages.length, 1);
// 'short' is a length tag (<= 80 chars), not the brief's 'short direct question' category, so it has no share target here.
const targets = { story: 0.35, multi_question: 0.15, hinglish: 0.10, out_of_scope: 0.12, counselor: 0.05, trap: 0.08 };
for (const [t, want] of Object.entries(targets)) {
  if (Math.abs(share(t) - want) > 0.05) warn('mix', `tag ${t} share ${(share(t) * 100).toFixed(1)}% (target ~${want * 100}%)`);
}

// ---------- report ----------
const sortDesc = (m) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const allEntries = new Set([...entryUse.keys(), ...convEntryUse.keys()]);
console.log(`messages: ${messages.length}`);
console.log(`conversations: ${convs.length} (${turnCount} user turns)`);
console.log(`messages ${LONG_MIN}-${LONG_MAX} chars: ${longCount} (${((longCount / Math.max(messages.length, 1)) * 100).toFixed(1)}%)`);
if (lengths.length) {
  const s = [...lengths].sort((a, b) => a - b);
  console.log(`length min/median/max: ${s[0]}/${s[Math.floor(s.length / 2)]}/${s[s.length - 1]}`);
}
console.log(`primary intents: ${sortDesc(intentCount).map(([k, v]) => `${k}=${v}`).join(', ')}`);
console.log(`also intents: ${sortDesc(alsoCount).map(([k, v]) => `${k}=${v}`).join(', ') || '-'}`);
console.log(`tags: ${sortDesc(tagCount).map(([k, v]) => `${k}=${v}`).join(', ')}`);
console.log(`distinct entries: ${entryUse.size} in messages, ${convEntryUse.size} in conversations, ${allEntries.size} overall (of ${kb.size} in knowledge/)`);
const unused = [...kb.keys()].filter((id) => !allEntries.has(id)).sort();
console.log(`entries never used: ${unused.join(', ') || '-'}`);
console.log(`closest text to a knowledge example: similarity ${maxSim.sim.toFixed(2)} (${maxSim.where ?? '-'}, example of ${maxSim.id ?? '-'})`);
if (VERBOSE) console.log(`entry use: ${sortDesc(entryUse).map(([k, v]) => `${k}=${v}`).join(', ')}`);
for (const w of warnings) console.log(`WARN ${w}`);
if (errors.length) {
  for (const e of errors) console.log(`ERROR ${e}`);
  console.log(`FAIL: ${errors.length} error(s)`);
  process.exit(1);
}
console.log('OK: all checks passed');
