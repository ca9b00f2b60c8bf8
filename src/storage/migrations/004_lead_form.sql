-- The lead form (turn side), added to the leads contract of 003.
-- Kept to the PostgreSQL 15 subset (PGlite is PostgreSQL 18).

-- When the form finished and the lead was handed to counselors: a lead with
-- queued_at was announced, so its card must be updated when it changes
-- (consent withdrawn, /forget); lead-to-card latency is announced_at - queued_at.
ALTER TABLE leads ADD COLUMN queued_at timestamptz;
