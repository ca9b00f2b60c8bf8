import type { SqlExecutor } from "./driver.js";

/**
 * What `rotabot report` reads from the database for a window [since, until):
 * plain aggregates, the same SQL on PGlite and PostgreSQL. Days are UTC.
 * A turn is one inbound message and the replies that point back at it.
 */
export interface ReportData {
  days: { day: string; conversations: number; turns: number; fellBack: number }[];
  intents: { intent: string; turns: number }[];
  entries: { entryId: string; turns: number }[];
  funnel: { offered: number; started: number; consented: number; queued: number; claimed: number; closed: number; stoppedInForm: number };
  outcomes: { outcome: string; leads: number }[];
  /** Minutes from queued to claimed, one per claimed lead. */
  claimMinutes: number[];
}

const DAY = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

export async function reportData(db: SqlExecutor, since: Date, until: Date, factualIntents: readonly string[]): Promise<ReportData> {
  const window = [since, until];
  const inbound = await db.query<{ day: string; conversations: number; turns: number }>(
    `SELECT ${DAY} AS day, count(*) AS turns, count(DISTINCT channel || ':' || conversation) AS conversations
       FROM messages WHERE direction = 'in' AND created_at >= $1 AND created_at < $2
      GROUP BY 1 ORDER BY 1`,
    window,
  );
  // One row per answered turn: its intent and whether any reply fell back (a fallback or a clarifying question).
  const turns = `SELECT min(${DAY}) AS day, max(intent) AS intent, bool_or(fell_back) AS fell_back
                   FROM messages WHERE direction = 'out' AND reply_to IS NOT NULL AND created_at >= $1 AND created_at < $2
                  GROUP BY channel, reply_to`;
  const fell = await db.query<{ day: string; fell_back: number }>(`SELECT day, count(*) FILTER (WHERE fell_back) AS fell_back FROM (${turns}) t GROUP BY day`, window);
  const intents = await db.query<{ intent: string; turns: number }>(
    `SELECT COALESCE(intent, 'unknown') AS intent, count(*) AS turns FROM (${turns}) t GROUP BY 1 ORDER BY 2 DESC, 1`,
    window,
  );
  // The last reply of a turn carries the conversation's state: its lastEntryId is the entry a factual turn answered.
  const entries = await db.query<{ entry_id: string; turns: number }>(
    `SELECT state->>'lastEntryId' AS entry_id, count(*) AS turns FROM messages
      WHERE direction = 'out' AND state IS NOT NULL AND NOT fell_back AND intent = ANY($3::text[])
        AND state->>'lastEntryId' IS NOT NULL AND created_at >= $1 AND created_at < $2
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15`,
    [...window, [...factualIntents]],
  );
  const funnel = await db.query<ReportData["funnel"]>(
    `WITH cohort AS (SELECT * FROM leads WHERE created_at >= $1 AND created_at < $2),
          offered AS (
            SELECT channel || ':' || conversation AS k FROM messages
             WHERE direction = 'out' AND state IS NOT NULL AND created_at >= $1 AND created_at < $2
               AND (state->>'leadOffer' IS NOT NULL OR jsonb_array_length(COALESCE(state->'leadOffered', '[]'::jsonb)) > 0)
            UNION SELECT channel || ':' || conversation FROM cohort)
     SELECT (SELECT count(*) FROM offered) AS offered,
            (SELECT count(*) FROM cohort) AS started,
            (SELECT count(*) FROM cohort l WHERE EXISTS (SELECT 1 FROM consents c WHERE c.lead_id = l.id AND c.decision = 'granted')) AS consented,
            (SELECT count(*) FROM cohort WHERE queued_at IS NOT NULL) AS queued,
            (SELECT count(*) FROM cohort WHERE claimed_at IS NOT NULL) AS claimed,
            (SELECT count(*) FROM cohort WHERE queued_at IS NOT NULL AND status = 'closed') AS closed,
            (SELECT count(*) FROM cohort WHERE queued_at IS NULL AND status = 'closed') AS "stoppedInForm"`,
    window,
  );
  const outcomes = await db.query<{ outcome: string; leads: number }>(
    `SELECT outcome, count(*) AS leads FROM leads
      WHERE created_at >= $1 AND created_at < $2 AND queued_at IS NOT NULL AND status = 'closed'
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    window,
  );
  const claims = await db.query<{ minutes: number }>(
    `SELECT EXTRACT(EPOCH FROM (claimed_at - queued_at)) / 60 AS minutes FROM leads
      WHERE claimed_at IS NOT NULL AND queued_at IS NOT NULL AND created_at >= $1 AND created_at < $2 ORDER BY 1`,
    window,
  );
  const fellByDay = new Map(fell.rows.map((r) => [r.day, Number(r.fell_back)]));
  const f = funnel.rows[0];
  return {
    days: inbound.rows.map((r) => ({ day: r.day, conversations: Number(r.conversations), turns: Number(r.turns), fellBack: fellByDay.get(r.day) ?? 0 })),
    intents: intents.rows.map((r) => ({ intent: r.intent, turns: Number(r.turns) })),
    entries: entries.rows.map((r) => ({ entryId: r.entry_id, turns: Number(r.turns) })),
    funnel: {
      offered: Number(f?.offered ?? 0),
      started: Number(f?.started ?? 0),
      consented: Number(f?.consented ?? 0),
      queued: Number(f?.queued ?? 0),
      claimed: Number(f?.claimed ?? 0),
      closed: Number(f?.closed ?? 0),
      stoppedInForm: Number(f?.stoppedInForm ?? 0),
    },
    outcomes: outcomes.rows.map((r) => ({ outcome: r.outcome, leads: Number(r.leads) })),
    claimMinutes: claims.rows.map((r) => Number(r.minutes)),
  };
}
