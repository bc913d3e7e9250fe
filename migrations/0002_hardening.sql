-- Hardening: standing rooms, batch outcomes, closed sessions and server secrets.

-- Standing rooms: a customer conference id reused after its call ended and stayed
-- idle starts a new conference, so (app, customer id) is no longer unique. The index
-- finds a room's newest conference.
drop index conference_app_customer_key;
create index conference_app_customer on conference (app_id, conference_id, created_at);

-- The id of every committed ingest batch, written inside the batch's transaction: when
-- a COMMIT fails without an answer, this row tells whether it took effect, so the
-- batch is neither lost nor applied twice. Old rows are pruned.
create table ingest_batch (
    id uuid primary key,
    committed_at bigint not null
);
create index ingest_batch_committed on ingest_batch (committed_at);

-- When a page said goodbye (unload, endCall). Its session token can open no more
-- connections, so it cannot reopen the conference.
alter table session add column closed_at bigint;

-- services/* (stop-conference, get-url) are for the customer's servers: they may
-- require a secret of their own instead of the public API key. Apps that existed
-- before keep working with the key alone until their owner turns this on; new apps
-- require it.
alter table app add column server_secret_hash text;
alter table app add column require_server_secret boolean not null default false;
