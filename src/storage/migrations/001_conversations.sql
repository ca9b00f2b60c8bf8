-- Students, conversations and every message in and out.
-- Kept to the PostgreSQL 15 subset: it runs on PGlite (PostgreSQL 18) and on PostgreSQL 15+.

CREATE TABLE students (
  channel     text        NOT NULL,
  sender      text        NOT NULL,
  profile     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, sender)
);

CREATE TABLE conversations (
  channel       text        NOT NULL,
  conversation  text        NOT NULL,
  sender        text        NOT NULL,
  state         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, conversation)
);

CREATE TABLE messages (
  id            bigserial   PRIMARY KEY,
  channel       text        NOT NULL,
  conversation  text        NOT NULL,
  -- The platform's id for inbound messages: the dedupe key. NULL for outbound.
  external_id   text,
  direction     text        NOT NULL CHECK (direction IN ('in', 'out')),
  sender        text,
  text          text        NOT NULL,
  -- Set on inbound rows once the turn ran.
  intent        text,
  confidence    real,
  fell_back     boolean     NOT NULL DEFAULT false,
  truncated     boolean     NOT NULL DEFAULT false,
  processed_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, external_id)
);

CREATE INDEX messages_conversation_idx ON messages (channel, conversation, id);
CREATE INDEX messages_fell_back_idx ON messages (created_at) WHERE fell_back;
