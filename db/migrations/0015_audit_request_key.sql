-- The idempotency key of the request that an audit entry records, when the
-- request carried one (a manager's expire form). The same form sent again
-- finds its first outcome here, written in the same transaction as the
-- change itself, and gets that outcome instead of a second call to Omise.
-- Looked up by (target, action, key): the audit_log_target index narrows it
-- to one charge's few entries.
ALTER TABLE audit_log ADD COLUMN request_key TEXT NOT NULL DEFAULT '';
