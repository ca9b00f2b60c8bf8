import type { OutboxPayload } from "../../core/ports.js";
import type { Lead, LeadOutcome } from "../../core/lead.js";

/**
 * The lead card in the leads channel (Block Kit), a pure function of the lead
 * row and the time. The card is for counselors, so its labels are here rather
 * than in the knowledge base; everything that came from a student is escaped,
 * so no student text can mention anyone, link anywhere or break the layout.
 */

export const ACTION_CLAIM = "lead_claim";
export const ACTION_RELEASE = "lead_release";
export const ACTION_CLOSE = "lead_close";

/** The outcomes a counselor can close with, in menu order. */
export const CLOSE_OUTCOMES: { value: Exclude<LeadOutcome, "stopped">; label: string }[] = [
  { value: "contacted", label: "Contacted" },
  { value: "booked", label: "Booked" },
  { value: "not_interested", label: "Not interested" },
  { value: "spam", label: "Spam" },
];

/** Slack's limits: section text 3000, header 150, fields 10 of 2000. */
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const HEADER_MAX = 150;

/**
 * Escapes text for Slack mrkdwn: `&`, `<` and `>` only (Slack's own rule), so
 * `<!channel>`, `<@U123>` and `<http://x|y>` written by a student stay text.
 */
export function escapeMrkdwn(text: string): string {
  // A bare "@channel" notifies a whole channel in some clients and settings: a word joiner after the @ keeps it text.
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/@(channel|here|everyone)\b/gi, "@\u2060$1");
}

/** Escaped and cut to `max` characters, marking the cut. */
function clip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  // Never cut inside an entity such as &amp;.
  const cut = escaped.slice(0, max - 1).replace(/&[a-z]*$/, "");
  return `${cut}…`;
}

const STATUS_LABEL: Record<Lead["status"], string> = { collecting: "collecting", queued: "waiting for a counselor", claimed: "claimed", closed: "closed" };
const TRIGGER_LABEL: Record<Lead["trigger"], string> = {
  asked: "asked for a counselor",
  strong_intent: "ready to act",
  repeated_misses: "the bot could not answer twice",
  score: "lead score over the threshold",
};
const CHANNEL_LABEL: Record<string, string> = { telegram: "Telegram", whatsapp: "WhatsApp", webchat: "the website chat" };

/** A Slack date token: each reader sees it in their own time zone; the fallback is UTC. */
function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${at.toISOString().slice(0, 16).replace("T", " ")} UTC>`;
}

function ago(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

/** A Slack user id we put in a mention ourselves; anything else is not rendered as one. */
const mention = (id: string) => (/^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : escapeMrkdwn(id));

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text: text.slice(0, SECTION_MAX) } });

/** The card's blocks and its notification text (which never carries student text). */
export function renderLeadCard(lead: Lead, now: Date): { text: string; blocks: unknown[] } {
  const status = STATUS_LABEL[lead.status];
  const title = `Lead #${lead.id}: ${status}`;
  const blocks: unknown[] = [{ type: "header", text: { type: "plain_text", text: title.slice(0, HEADER_MAX) } }];
  const holder = lead.claimedBy ? mention(lead.claimedBy.id) : null;
  const state =
    lead.status === "claimed" && holder
      ? `:raising_hand: *Claimed by* ${holder}${lead.claimedAt ? ` at ${slackDate(lead.claimedAt)}` : ""}. Their replies in this thread go to the student; start a message with \`note:\` to keep it internal.`
      : lead.status === "closed"
        ? `:white_check_mark: *Closed*: ${CLOSE_OUTCOMES.find((o) => o.value === lead.outcome)?.label ?? lead.outcome ?? "done"}${holder ? ` (${holder})` : ""}${lead.closedAt ? ` at ${slackDate(lead.closedAt)}` : ""}. The bot is answering the student again.`
        : `:hourglass_flowing_sand: *Unclaimed* for ${ago(lead.announcedAt ?? lead.createdAt, now)}. Claim it, or reply in the thread to take it.`;
  blocks.push(section(state));
  if (lead.unreachable) blocks.push(section(`:warning: *Student unreachable*: ${escapeMrkdwn(lead.unreachable)}`));

  if (lead.redactedAt) {
    blocks.push(section(`:lock: The student asked rotabot to erase their data (${slackDate(lead.redactedAt)}). Nothing about them is shown any more.`));
  } else {
    const via = CHANNEL_LABEL[lead.channel] ?? lead.channel;
    blocks.push(
      section(
        `*Why*: ${TRIGGER_LABEL[lead.trigger]} · *Score* ${lead.score}${lead.scoreReasons.length > 0 ? ` (${lead.scoreReasons.map(escapeMrkdwn).join("; ")})` : ""} · *On* ${via} · *Since* ${slackDate(lead.createdAt)}`,
      ),
    );
    const summary = lead.summary;
    if (summary && summary.profile.length > 0) {
      blocks.push({
        type: "section",
        fields: summary.profile.slice(0, 10).map((p) => ({ type: "mrkdwn", text: `*${clip(p.label, 100)}*\n${clip(p.value, FIELD_MAX - 110)}` })),
      });
    }
    if (summary?.failedQuestion) blocks.push(section(`*Could not answer*: ${clip(summary.failedQuestion, SECTION_MAX - 40)}`));
    if (summary && summary.questions.length > 0) {
      const lines = summary.questions.slice(-5).map((q) => `• ${clip(q.text, 300)}\n    ↳ ${q.generated ? "(AI-written) " : ""}_${clip(q.answer, 300)}_`);
      blocks.push(section(`*Asked*\n${lines.join("\n")}`));
    }
    if (lead.consent === "granted" && lead.contact) {
      const c = lead.contact;
      const parts = [c.name && `*Name*: ${clip(c.name, 200)}`, c.email && `*Email*: ${clip(c.email, 300)}`, c.phone && `*Phone*: ${clip(c.phone, 40)}`, c.bestTime && `*Best time*: ${clip(c.bestTime, 300)}`];
      blocks.push(section(`:telephone_receiver: ${parts.filter(Boolean).join(" · ")}`));
    } else {
      blocks.push(section(lead.consent === "declined" || lead.consent === "withdrawn" ? "_No contact details: the student did not consent._" : "_No contact details given._"));
    }
  }

  if (lead.status !== "closed") blocks.push({ type: "actions", block_id: `lead_actions_${lead.id}`, elements: actionsFor(lead) });
  return { text: `Lead #${lead.id} (${status})`, blocks };
}

function actionsFor(lead: Lead): unknown[] {
  const value = String(lead.id);
  const elements: unknown[] = [];
  if (lead.status === "queued") elements.push({ type: "button", action_id: ACTION_CLAIM, text: { type: "plain_text", text: "Claim" }, style: "primary", value });
  if (lead.status === "claimed") elements.push({ type: "button", action_id: ACTION_RELEASE, text: { type: "plain_text", text: "Release" }, value });
  elements.push({
    type: "static_select",
    action_id: ACTION_CLOSE,
    placeholder: { type: "plain_text", text: "Close as…" },
    options: CLOSE_OUTCOMES.map((o) => ({ text: { type: "plain_text", text: o.label }, value: `${lead.id}:${o.value}` })),
  });
  return elements;
}

/** Slack's message text limit is 40,000 characters; a thread message stays well under it. */
const THREAD_MAX = 12_000;

/** How an answer the language model wrote (rephrased) is labelled wherever a counselor sees it. */
export const GENERATED_LABEL = ":robot_face: *rotabot* (AI-written, not checked by a person)";

/** What a thread message about a student who used /forget says once it is erased in Slack. */
export const ERASED_THREAD_MESSAGE = ":lock: Erased: the student asked rotabot to erase their data.";

/** A thread row as a Slack message: who wrote it, then the escaped text. */
export function renderThreadMessage(payload: Extract<OutboxPayload, { kind: "thread" }>): string {
  const who =
    payload.from === "student" ? ":bust_in_silhouette: *Student*" : payload.from === "bot" ? (payload.generated ? GENERATED_LABEL : ":robot_face: *rotabot*") : ":information_source:";
  return `${who}: ${clip(payload.text, THREAD_MAX)}`;
}
