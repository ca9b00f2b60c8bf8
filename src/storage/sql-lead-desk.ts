import type { Reply } from "../core/model.js";
import type { DeskResult, LeadDesk, ThreadMessage, ThreadOutcome } from "../leads/desk.js";
import type { CounselorRef, Lead } from "../core/lead.js";
import type { SqlDriver, SqlExecutor } from "./driver.js";
import { enqueueLeadEvent } from "./sql-lead-events.js";
import { enqueueCard, enqueueLeadRow, leadFromRow, type LeadRow } from "./sql-leads.js";
import { enqueueOutbox } from "./sql-outbox.js";

/** A notice to the student on their own channel. */
const enqueueStudent = (ex: SqlExecutor, lead: Lead, what: string, reply: Reply, at: Date) =>
  enqueueOutbox(ex, `lead:${lead.id}:student:${what}`, lead.channel, lead.conversation, { kind: "reply", reply }, at);

const CLAIM = `UPDATE leads SET status = 'claimed', claimed_by = $2, claimed_by_name = $3, claimed_at = $4, version = version + 1, updated_at = $4
  WHERE id = $1 AND status = 'queued' RETURNING *`;

/** The counselor desk in SQL; the same statements run on PGlite and PostgreSQL. */
export function createSqlLeadDesk(db: SqlDriver): LeadDesk {
  const one = async (ex: SqlExecutor, sql: string, params: unknown[]) => {
    const r = await ex.query<LeadRow>(sql, params);
    return r.rows[0] ? leadFromRow(r.rows[0]) : null;
  };
  const load = (ex: SqlExecutor, id: number) => one(ex, "SELECT * FROM leads WHERE id = $1", [id]);

  /** Why an action did not apply to `lead`, as a DeskResult. */
  const refused = (lead: Lead | null, counselor: CounselorRef, wanted: "queued" | "claimed"): DeskResult => {
    if (!lead) return { ok: false, reason: "not_found", lead };
    if (lead.status === "closed") return { ok: false, reason: "closed", lead };
    if (wanted === "queued" && lead.status === "claimed") {
      return lead.claimedBy?.id === counselor.id ? { ok: true, lead, changed: false } : { ok: false, reason: "already_claimed", lead };
    }
    if (wanted === "claimed" && lead.status === "queued") return { ok: true, lead, changed: false };
    if (wanted === "claimed" && lead.status === "claimed") return { ok: false, reason: "not_holder", lead };
    return { ok: false, reason: "not_queued", lead };
  };

  return {
    get: (id) => load(db, id),

    claim(id, counselor, at, notice) {
      return db.transaction(async (tx) => {
        const lead = await one(tx, CLAIM, [id, counselor.id, counselor.name ?? null, at]);
        if (!lead) return refused(await load(tx, id), counselor, "queued");
        await enqueueCard(tx, lead.id, lead.version, at);
        await enqueueStudent(tx, lead, `claimed:${lead.version}`, notice, at);
        await enqueueLeadEvent(tx, lead, "claimed", at);
        return { ok: true, lead, changed: true };
      });
    },

    release(id, counselor, at, notice) {
      return db.transaction(async (tx) => {
        const lead = await one(
          tx,
          `UPDATE leads SET status = 'queued', claimed_by = NULL, claimed_by_name = NULL, claimed_at = NULL, reannounced_at = $3,
                  version = version + 1, updated_at = $3
            WHERE id = $1 AND status = 'claimed' AND claimed_by = $2 RETURNING *`,
          [id, counselor.id, at],
        );
        if (!lead) return refused(await load(tx, id), counselor, "claimed");
        await enqueueCard(tx, lead.id, lead.version, at);
        await enqueueStudent(tx, lead, `released:${lead.version}`, notice, at);
        await enqueueLeadEvent(tx, lead, "released", at);
        return { ok: true, lead, changed: true };
      });
    },

    close(id, counselor, outcome, at, notice) {
      return db.transaction(async (tx) => {
        const lead = await one(
          tx,
          `UPDATE leads SET status = 'closed', outcome = $3, closed_at = $4, claimed_by = COALESCE(claimed_by, $2),
                  claimed_by_name = CASE WHEN claimed_by IS NULL THEN $5 ELSE claimed_by_name END, version = version + 1, updated_at = $4
            WHERE id = $1 AND status IN ('queued', 'claimed') RETURNING *`,
          [id, counselor.id, outcome, at, counselor.name ?? null],
        );
        if (!lead) {
          const current = await load(tx, id);
          return current?.status === "closed" ? { ok: true, lead: current, changed: false } : { ok: false, reason: current ? "not_queued" : "not_found", lead: current };
        }
        await enqueueCard(tx, lead.id, lead.version, at);
        // A spammer is not written to again.
        if (outcome !== "spam") await enqueueStudent(tx, lead, `closed:${lead.version}`, notice, at);
        await enqueueLeadEvent(tx, lead, "closed", at);
        return { ok: true, lead, changed: true };
      });
    },

    threadMessage(m: ThreadMessage): Promise<ThreadOutcome> {
      return db.transaction(async (tx): Promise<ThreadOutcome> => {
        let lead = await one(tx, "SELECT * FROM leads WHERE slack_channel = $1 AND slack_ts = $2 FOR UPDATE", [m.card.channel, m.card.ts]);
        if (!lead) return { outcome: "unmapped" };
        // Both keys in one transaction: a retried event and the reconciler's read of the same message die here.
        for (const key of m.eventId ? [m.eventId, m.key] : [m.key]) {
          const r = await tx.query("INSERT INTO slack_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING", [key, m.at]);
          if (r.rowCount === 0) return { outcome: "duplicate" };
        }
        if (!m.reply) return { outcome: "note", lead };
        if (lead.status === "closed" || lead.status === "collecting") return { outcome: "closed", lead };
        let claimed = false;
        if (lead.status === "queued") {
          // Decided: a counselor who answers an unclaimed lead in its thread takes it.
          lead = (await one(tx, CLAIM, [lead.id, m.author.id, m.author.name ?? null, m.at])) as Lead;
          await enqueueCard(tx, lead.id, lead.version, m.at);
          await enqueueStudent(tx, lead, `claimed:${lead.version}`, m.claimNotice, m.at);
          await enqueueLeadEvent(tx, lead, "claimed", m.at);
          claimed = true;
        } else if (lead.claimedBy?.id !== m.author.id) {
          return { outcome: "held_by_other", lead };
        }
        await enqueueOutbox(tx, m.key, lead.channel, lead.conversation, { kind: "reply", reply: m.reply, leadId: lead.id }, m.at);
        return { outcome: "relayed", lead, claimed };
      });
    },

    async setCard(id, card, at) {
      await db.query("UPDATE leads SET slack_channel = $2, slack_ts = $3, announced_at = COALESCE(announced_at, $4) WHERE id = $1", [id, card.channel, card.ts, at]);
    },

    async pruneEvents(before) {
      return (await db.query("DELETE FROM slack_events WHERE received_at < $1", [before])).rowCount;
    },

    async openThreads(limit) {
      const r = await db.query<LeadRow>(
        "SELECT * FROM leads WHERE slack_ts IS NOT NULL AND status IN ('queued', 'claimed') ORDER BY updated_at DESC, id DESC LIMIT $1",
        [limit],
      );
      return r.rows.map(leadFromRow);
    },

    async dueForReannounce(now, timeoutMs, maxTimes, limit) {
      const r = await db.query<LeadRow>(
        `SELECT * FROM leads
          WHERE status = 'queued' AND slack_ts IS NOT NULL AND reannounced < $3
            AND COALESCE(reannounced_at, announced_at) <= $1::timestamptz - make_interval(secs => $2::double precision / 1000)
          ORDER BY id LIMIT $4`,
        [now, timeoutMs, maxTimes, limit],
      );
      return r.rows.map(leadFromRow);
    },

    reannounce(id, at, what) {
      return db.transaction(async (tx) => {
        const lead = await one(tx, "UPDATE leads SET reannounced = reannounced + 1, reannounced_at = $2 WHERE id = $1 AND status = 'queued' RETURNING *", [id, what.countFrom ?? at]);
        if (!lead) return false;
        if (what.thread) {
          await enqueueLeadRow(tx, `lead:${id}:notice:reannounce:${lead.reannounced}`, id, { kind: "thread", leadId: id, from: "system", text: what.thread, broadcast: true }, at);
        }
        if (what.student) await enqueueStudent(tx, lead, `wait:${lead.reannounced}`, what.student, at);
        return true;
      });
    },

    markUnreachable(target, reason, ref, at, threadText) {
      return db.transaction(async (tx) => {
        const found =
          "leadId" in target
            ? await one(tx, "SELECT * FROM leads WHERE id = $1 FOR UPDATE", [target.leadId])
            : await one(tx, "SELECT * FROM leads WHERE channel = $1 AND conversation = $2 AND status IN ('queued', 'claimed') FOR UPDATE", [target.channel, target.conversation]);
        if (!found) return null;
        let lead = found;
        if (lead.unreachable !== reason) {
          lead = (await one(tx, "UPDATE leads SET unreachable = $2, version = version + 1, updated_at = $3 WHERE id = $1 RETURNING *", [lead.id, reason, at])) as Lead;
          await enqueueCard(tx, lead.id, lead.version, at);
        }
        await enqueueLeadRow(tx, `lead:${lead.id}:notice:undelivered:${ref}`, lead.id, { kind: "thread", leadId: lead.id, from: "system", text: threadText }, at);
        return lead;
      });
    },
  };
}
