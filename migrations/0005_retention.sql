-- Raw stats samples, track samples and events are kept for a per-app number of days;
-- conference facts, sessions, connections, issues and rollups are kept for good, so
-- summaries of old ranges keep working.
alter table app add column retention_days integer not null default 30;
