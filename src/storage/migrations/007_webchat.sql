-- The web chat (channels/webchat). Kept to the PostgreSQL 15 subset (PGlite is PostgreSQL 18).
--
-- A browser may be offline when its reply is ready, so a web reply is
-- "delivered" when it is stored for the visitor: the inbox worker, holding the
-- conversation's lock, stamps the outbox row with the next number of this
-- sequence. Stamps of one conversation are therefore given in delivery order
-- and committed one by one, which the outbox ids are not (a counselor's reply
-- written by the server thread may commit after a later turn's reply). The
-- page's event stream resumes after the last stamp it showed.
CREATE SEQUENCE webchat_reply_seq;
ALTER TABLE outbox ADD COLUMN web_seq bigint;
CREATE INDEX outbox_webchat_idx ON outbox (conversation, web_seq) WHERE channel = 'webchat' AND web_seq IS NOT NULL;
