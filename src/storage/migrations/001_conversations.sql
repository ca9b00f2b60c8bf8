-- Students and every message in and out.
-- Kept to the PostgreSQL 15 subset: it runs on PGlite (PostgreSQL 18) and on PostgreSQL 15+.

CREATE TABLE students (
  channel     text        NOT NULL,
  sender      text        NOT NULL,
  profile     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, sender)
);

-- Every message in and out. An inbound row is written before anything else
-- happens to it (its platform id is the dedupe key); the turn's outcome is
-- written with the reply rows, which point back at it through reply_to. The
-- last reply of a turn carries the conversation's state after that turn, so a
-- turn is saved by one INSERT and the state is read from the newest reply.
CREATE TABLE messages (
  id            bigserial   PRIMARY KEY,
  channel       text        NOT NULL,
  conversation  text        NOT NULL,
  direction     text        NOT NULL CHECK (direction IN ('in', 'out')),
  -- Inbound: the platform's message id and who wrote it.
  external_id   text,
  sender        text,
  text          text        NOT NULL,
  truncated     boolean     NOT NULL DEFAULT false,
  -- Outbound: the inbound message answered, and what the bot made of it.
  reply_to      text,
  intent        text,
  confidence    real,
  fell_back     boolean     NOT NULL DEFAULT false,
  state         jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, external_id)
);

CREATE INDEX messages_conversation_idx ON messages (channel, conversation, id);
CREATE INDEX messages_reply_to_idx ON messages (channel, reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX messages_fell_back_idx ON messages (created_at) WHERE fell_back;
