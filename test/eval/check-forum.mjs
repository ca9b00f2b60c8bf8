#!/usr/bin/env node
// Validates the forum-style held-out eval set (test/eval/forum*.jsonl) against knowledge/.
// Usage: node test/eval/check-forum.mjs [ROOT] [--knowledge DIR]
// Written, with the set, by someone who had not read src/ (see test/eval/README.md).
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const kIdx = argv.indexOf('--knowledge');
const ROOT = argv[0] && !argv[0].startsWith('--') ? argv[0] : join(here, '..', '..');
const KNOWLEDGE = kIdx >= 0 ? argv[kIdx + 1] : join(ROOT, 'knowledge');
const require = createRequire(join(ROOT, 'package.json'));
const YAML = require('yaml');

const INTENTS = new Set([
  'eligibility', 'costs', 'timing', 'rotation_types', 'documents', 'application_process',
  'recommendation_letters', 'residency_match', 'specialties', 'logistics', 'counselor',
  'smalltalk', 'out_of_scope',
]);
const TAGS = new Set([
  'story', 'multi_question', 'hinglish', 'typo', 'shorthand', 'informal', 'south_asian_english',
  'run_on', 'out_of_scope', 'counselor', 'trap', 'short', 'long', 'personal',
]);
const MIN_MESSAGES = 210;
const MIN_CONVERSATIONS = 25;
const MIN_PER_INTENT = 8; // every intent except smalltalk, as primary intent of a single message
const MIN_DISTINCT_ENTRIES = 60;

const errors = [];
const warnings = [];
const err = (where, msg) => errors.push(`${where}: ${msg}`);

// ---------- knowledge base ----------
const normText = (s) => s.toLowerCase().replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
const normQuestion = (s) =>
  s.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}\s]/gu, ' ').replace(/\s+/g, ' ').trim();

const kb = new Map(); // id -> { intent, body, examples }
for (const file of readdirSync(KNOWLEDGE).filter((f) => f.endsWith('.md') && !f.startsWith('_'))) {
  const raw = readFileSync(join(KNOWLEDGE, file), 'utf8');
  const m = raw.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/);
  if (!m) { err(`knowledge/${file}`, 'no front matter'); continue; }
  const fm = YAML.parse(m[1]);
  kb.set(fm.id, { intent: fm.intent, body: normText(m[2]), examples: fm.examples ?? [] });
}
const exampleSet = new Map(); // normalised example -> entry id
for (const [id, e] of kb) for (const ex of e.examples) exampleSet.set(normQuestion(String(ex)), id);
const exampleTokens = [...exampleSet.keys()].map((k) => ({ k, t: new Set(k.split(' ')) }));

function nearExample(text) {
  // "light edit" heuristic: short texts whose token sets nearly coincide with an example
  const n = normQuestion(text);
  const toks = new Set(n.split(' '));
  if (toks.size > 14) return null;
  for (const { k, t } of exampleTokens) {
    let inter = 0;
    for (const w of toks) if (t.has(w)) inter++;
    const jacc = inter / (toks.size + t.size - inter);
    if (jacc >= 0.75) return k;
  }
  return null;
}

// ---------- item validation ----------
const seenTexts = new Map();
const stats = {
  intentPrimary: {}, intentAll: {}, tags: {}, entries: new Map(), entriesSingles: new Set(),
};
const bump = (o, k) => { o[k] = (o[k] ?? 0) + 1; };

function checkTurn(where, t, { single }) {
  if (typeof t.text !== 'string' || !t.text.trim()) { err(where, 'missing text'); return; }
  const nq = normQuestion(t.text);
  if (exampleSet.has(nq)) err(where, `text equals a knowledge example of ${exampleSet.get(nq)}`);
  else {
    const near = nearExample(t.text);
    if (near) err(where, `text is a light edit of knowledge example "${near}"`);
  }
  if (seenTexts.has(nq) && nq.length > 12) err(where, `duplicate text (also ${seenTexts.get(nq)})`);
  seenTexts.set(nq, where);

  if (!INTENTS.has(t.intent)) err(where, `invalid intent ${t.intent}`);
  const also = t.also ?? [];
  if (!Array.isArray(also)) err(where, 'also must be an array');
  for (const a of also) if (!INTENTS.has(a)) err(where, `invalid also intent ${a}`);
  const intents = [t.intent, ...also];

  if (!Array.isArray(t.entries) || t.entries.length === 0) { err(where, 'entries empty'); return; }
  if (t.entries.length !== intents.length)
    err(where, `entries (${t.entries.length}) must have one slot per question (intent + also = ${intents.length})`);
  if (!Array.isArray(t.facts) || t.facts.length === 0) err(where, 'facts empty');
  const facts = (t.facts ?? []).map((f) => String(f));
  if (facts.length > Math.max(3, t.entries.length + 1)) err(where, `too many facts (${facts.length})`);

  const allNamed = [];
  t.entries.forEach((slot, i) => {
    const alts = Array.isArray(slot) ? slot : [slot];
    if (alts.length === 0) err(where, `entries[${i}] empty`);
    for (const id of alts) {
      allNamed.push(id);
      const e = kb.get(id);
      if (!e) { err(where, `unknown entry ${id}`); continue; }
      if (!intents.includes(e.intent)) err(where, `entry ${id} has intent ${e.intent}, not among ${intents.join('/')}`);
      else if (intents[i] !== undefined && e.intent !== intents[i])
        err(where, `entry ${id} (slot ${i}) has intent ${e.intent}, but question ${i} is ${intents[i]}`);
      stats.entries.set(id, (stats.entries.get(id) ?? 0) + 1);
      if (single) stats.entriesSingles.add(id);
    }
    // at least one fact per question slot
    const ok = facts.some((f) => alts.some((id) => kb.get(id)?.body.includes(normText(f))));
    if (!ok) err(where, `no fact found in the body of slot ${i} (${alts.join('|')})`);
  });
  for (const f of facts) {
    const nf = normText(f);
    const words = nf.split(' ').filter(Boolean).length;
    if (!nf) err(where, 'empty fact');
    if (words < 3 || words > 8) warnings.push(`${where}: fact "${f}" has ${words} words (want 3-8)`);
    if (!allNamed.some((id) => kb.get(id)?.body.includes(nf))) err(where, `fact not found in any named entry body: "${f}"`);
  }
  if (single) bump(stats.intentPrimary, t.intent);
  for (const i of intents) bump(stats.intentAll, i);
}

function checkTags(where, tags, item) {
  if (!Array.isArray(tags)) { err(where, 'tags must be an array'); return; }
  for (const g of tags) { if (!TAGS.has(g)) err(where, `invalid tag ${g}`); bump(stats.tags, g); }
  const multi = (item.also ?? []).length > 0;
  if (multi && !tags.includes('multi_question')) err(where, 'has also but no multi_question tag');
  if (!multi && tags.includes('multi_question')) err(where, 'multi_question tag but no also');
  if (item.intent === 'out_of_scope' && !tags.includes('out_of_scope')) err(where, 'out_of_scope intent without tag');
  if (item.intent === 'counselor' && !tags.includes('counselor')) err(where, 'counselor intent without tag');
}

function readJsonl(path) {
  if (!existsSync(path)) { err(path, 'missing file'); return []; }
  const out = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try { out.push(JSON.parse(line)); } catch (e) { err(`${path}:${i + 1}`, `JSON parse error: ${e.message}`); }
  });
  return out;
}

// ---------- singles ----------
const singles = readJsonl(join(ROOT, 'test', 'eval', 'forum.jsonl'));
const ids = new Set();
for (const m of singles) {
  const where = `forum ${m.id}`;
  if (!/^f\d{3,}$/.test(m.id ?? '')) err(where, 'bad id');
  if (ids.has(m.id)) err(where, 'duplicate id');
  ids.add(m.id);
  checkTurn(where, m, { single: true });
  checkTags(where, m.tags, m);
}

// ---------- conversations ----------
const convs = readJsonl(join(ROOT, 'test', 'eval', 'forum-conversations.jsonl'));
const cids = new Set();
let turnCount = 0;
for (const c of convs) {
  const where = `conv ${c.id}`;
  if (!/^fc\d{2,}$/.test(c.id ?? '')) err(where, 'bad id');
  if (cids.has(c.id)) err(where, 'duplicate id');
  cids.add(c.id);
  if (typeof c.description !== 'string' || !c.description.trim()) err(where, 'missing description');
  if (!Array.isArray(c.turns) || c.turns.length < 2 || c.turns.length > 4) err(where, 'needs 2-4 turns');
  if (c.tags !== undefined) {
    if (!Array.isArray(c.tags)) err(where, 'tags must be an array');
    else for (const g of c.tags) { if (!TAGS.has(g)) err(where, `invalid tag ${g}`); bump(stats.tags, g); }
  }
  (c.turns ?? []).forEach((t, i) => {
    turnCount++;
    checkTurn(`${where} turn ${i + 1}`, t, { single: false });
  });
}

// ---------- global requirements ----------
if (singles.length < MIN_MESSAGES) err('forum.jsonl', `only ${singles.length} messages (need ${MIN_MESSAGES})`);
if (convs.length < MIN_CONVERSATIONS) err('forum-conversations.jsonl', `only ${convs.length} conversations (need ${MIN_CONVERSATIONS})`);
for (const i of INTENTS) {
  if (i === 'smalltalk') continue;
  if ((stats.intentPrimary[i] ?? 0) < MIN_PER_INTENT)
    err('mix', `intent ${i} is primary in only ${stats.intentPrimary[i] ?? 0} messages (need ${MIN_PER_INTENT})`);
}
if (stats.entries.size < MIN_DISTINCT_ENTRIES) err('mix', `only ${stats.entries.size} distinct entries (need ${MIN_DISTINCT_ENTRIES})`);

// ---------- report ----------
const sortObj = (o) => Object.entries(o).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const lens = singles.map((m) => m.text.length).sort((a, b) => a - b);
console.log(`messages: ${singles.length}   conversations: ${convs.length} (${turnCount} turns)`);
console.log(`text length: min ${lens[0]}, median ${lens[Math.floor(lens.length / 2)]}, max ${lens.at(-1)}; ` +
  `200-900 chars: ${lens.filter((l) => l >= 200 && l <= 900).length}`);
console.log('\nprimary intent (single messages):');
for (const [k, v] of sortObj(stats.intentPrimary)) console.log(`  ${k.padEnd(24)} ${v}`);
console.log('\nall intents incl. also, singles + conversation turns:');
for (const [k, v] of sortObj(stats.intentAll)) console.log(`  ${k.padEnd(24)} ${v}`);
console.log('\ntags (singles + conversations):');
for (const [k, v] of sortObj(stats.tags)) console.log(`  ${k.padEnd(24)} ${v}`);
console.log(`\ndistinct entries: ${stats.entries.size} overall, ${stats.entriesSingles.size} in single messages (of ${kb.size} in knowledge/)`);
const unused = [...kb.keys()].filter((id) => !stats.entries.has(id));
console.log(`entries never used: ${unused.length ? unused.join(', ') : 'none'}`);
if (warnings.length) { console.log(`\nwarnings (${warnings.length}):`); for (const w of warnings) console.log('  ' + w); }
if (errors.length) {
  console.log(`\nFAIL: ${errors.length} error(s)`);
  for (const e of errors) console.log('  ' + e);
  process.exit(1);
}
console.log('\nOK: all checks passed');
