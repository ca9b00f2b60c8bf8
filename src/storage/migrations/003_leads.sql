-- Leads and the counselor handoff (Slack).
-- Kept to the PostgreSQL 15 subset (PGlite is PostgreSQL 18).

-- One lead per hand-off of a student to a counselor. A conversation has at
-- most one open lead (status other than 'closed'). The lead row is the truth
-- the Slack card is rendered from: the card shows the row as it is when the
-- card is delivered, so updates never race each other.
CREATE TABLE leads (
  id               bigserial   PRIMARY KEY,
  -- The student's conversation address: how a counselor reaches them later.
  channel          text        NOT NULL,
  conversation     text        NOT NULL,
  sender           text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('collecting', 'queued', 'claimed', 'closed')),
  -- The form step waiting for the student's answer while collecting.
  step             text,
  "trigger"        text        NOT NULL CHECK ("trigger" IN ('asked', 'strong_intent', 'repeated_misses', 'score')),
  score            integer     NOT NULL DEFAULT 0,
  score_reasons    jsonb       NOT NULL DEFAULT '[]'::jsonb,
  -- Contact details exist only with consent 'granted'.
  consent          text        CHECK (consent IN ('granted', 'declined', 'withdrawn')),
  name             text,
  contact_kind     text        CHECK (contact_kind IN ('email', 'phone')),
  contact          text,
  best_time        text,
  -- What a counselor reads in ten seconds (LeadSummary in src/core/lead.ts).
  summary          jsonb,
  claimed_by       text,
  claimed_by_name  text,
  claimed_at       timestamptz,
  outcome          text        CHECK (outcome IN ('contacted', 'booked', 'not_interested', 'spam', 'stopped')),
  closed_at        timestamptz,
  -- The card in Slack: its channel and message ts (the thread's parent).
  slack_channel    text,
  slack_ts         text,
  announced_at     timestamptz,
  reannounced      integer     NOT NULL DEFAULT 0,
  -- Why the student cannot be reached (blocked the bot, window closed), when known.
  unreachable      text,
  redacted_at      timestamptz,
  -- Bumped on every change: card updates are keyed by it.
  version          integer     NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX leads_open_idx ON leads (channel, conversation) WHERE status <> 'closed';
CREATE UNIQUE INDEX leads_card_idx ON leads (slack_channel, slack_ts) WHERE slack_ts IS NOT NULL;
CREATE INDEX leads_sender_idx ON leads (channel, sender);
CREATE INDEX leads_queued_idx ON leads (announced_at) WHERE status = 'queued';

-- Every consent decision, with the wording version shown, when and where.
-- Withdrawal is a new row; the lead's own column holds the latest decision.
CREATE TABLE consents (
  id          bigserial   PRIMARY KEY,
  channel     text        NOT NULL,
  sender      text        NOT NULL,
  lead_id     bigint      REFERENCES leads (id) ON DELETE SET NULL,
  decision    text        NOT NULL CHECK (decision IN ('granted', 'declined', 'withdrawn')),
  version     text        NOT NULL,
  at          timestamptz NOT NULL
);

CREATE INDEX consents_sender_idx ON consents (channel, sender);

-- Slack events already handled (event_id, or channel:ts for thread messages):
-- Slack retries deliveries and the reconciler re-reads threads.
CREATE TABLE slack_events (
  event_id     text        PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now()
);
