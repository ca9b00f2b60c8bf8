-- /forget must find everything about a student (issue 14). Dead letters keep
-- the conversation as well as the sender, when the body names them, so that
-- they can be erased with the rest; both are indexed for that.
ALTER TABLE dead_letters ADD COLUMN conversation text;
CREATE INDEX dead_letters_sender_idx ON dead_letters (channel, sender);
CREATE INDEX dead_letters_conversation_idx ON dead_letters (channel, conversation);
-- Delivery receipts name their recipient (a WhatsApp phone number).
CREATE INDEX delivery_statuses_recipient_idx ON delivery_statuses (channel, recipient);

-- Replies the language model wrote (rephrased): counselors see them marked on
-- the lead card and in its thread (issue 14).
ALTER TABLE messages ADD COLUMN generated boolean NOT NULL DEFAULT false;

-- /metrics counts dead messages per channel: without this index that count reads
-- the whole messages table on every scrape (issue 14).
CREATE INDEX messages_dead_idx ON messages (channel) WHERE status = 'dead';
