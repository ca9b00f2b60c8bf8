-- Messenger channels: an inbox processed by workers, an outbox for everything
-- that leaves, dead letters, and delivery receipts.
-- Kept to the PostgreSQL 15 subset (PGlite is PostgreSQL 18).

-- The inbox is the messages table itself. A webhook stores an inbound row as
-- 'pending' before it answers the platform; a worker holding the conversation's
-- lock turns it into a turn and marks it 'done' in the same transaction that
-- writes the replies to the outbox. Rows written by the console and replay are
-- processed synchronously and are 'done' from the start.
ALTER TABLE messages ADD COLUMN status text NOT NULL DEFAULT 'done' CHECK (status IN ('pending', 'done', 'dead'));
-- The quick-reply value picked, and the kind of content when it is not text.
ALTER TABLE messages ADD COLUMN payload text;
ALTER TABLE messages ADD COLUMN content_type text;
-- Processing attempts and the last error: a message failing three times becomes a dead letter.
ALTER TABLE messages ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN error text;
-- The platform's own order (Telegram update_id, WhatsApp timestamp): messages
-- of one chat that arrive together or reversed are processed in this order.
ALTER TABLE messages ADD COLUMN seq bigint;

CREATE INDEX messages_pending_idx ON messages (channel, conversation, seq, id) WHERE status = 'pending';

-- Everything that leaves the process: written in the transaction that decides
-- it, delivered at least once, in order per conversation, idempotent by key.
CREATE TABLE outbox (
  id               bigserial   PRIMARY KEY,
  dedupe_key       text        NOT NULL UNIQUE,
  channel          text        NOT NULL,
  conversation     text        NOT NULL,
  payload          jsonb       NOT NULL,
  status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);

CREATE INDEX outbox_pending_idx ON outbox (channel, conversation, id) WHERE status = 'pending';
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';

-- Authenticated events rotabot cannot process (unknown update types, broken
-- shapes): kept with the reason instead of being retried forever.
CREATE TABLE dead_letters (
  id           bigserial   PRIMARY KEY,
  channel      text        NOT NULL,
  external_id  text        NOT NULL,
  sender       text,
  reason       text        NOT NULL,
  body         text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, external_id)
);

-- Delivery receipts (WhatsApp statuses): stored, never answered.
CREATE TABLE delivery_statuses (
  channel      text        NOT NULL,
  message_id   text        NOT NULL,
  status       text        NOT NULL,
  recipient    text,
  error        text,
  at           timestamptz NOT NULL,
  PRIMARY KEY (channel, message_id, status)
);
