-- The counselor desk in Slack (owned by the Slack side; 003 is the shared contract).
-- Kept to the PostgreSQL 15 subset (PGlite is PostgreSQL 18).

-- When an unclaimed lead was last re-announced (the claim timeout counts from here).
ALTER TABLE leads ADD COLUMN reannounced_at timestamptz;

-- Pacing of Slack calls per Slack channel, shared by every relaying process:
-- the next moment a message may be posted there, pushed forward by each post
-- (about one a second) and by a 429's Retry-After or an outage's backoff.
CREATE TABLE slack_pace (
  slack_channel  text        PRIMARY KEY,
  next_at        timestamptz NOT NULL
);

-- The relay looks for the head of each lead's stream among due Slack rows.
CREATE INDEX outbox_slack_due_idx ON outbox (next_attempt_at, id) WHERE status = 'pending' AND channel = 'slack';
