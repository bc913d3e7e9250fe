-- Search (`GET /v1/search`): conferences and participants by customer id or name,
-- any case, anywhere in the text. Trigram indexes answer `ilike '%…%'` without a
-- scan. The extension lives in `public` whatever the search path, so stores in
-- other schemas (tests, benchmarks) share it; pg_trgm is a trusted extension, so a
-- database owner without superuser rights may create it.
create extension if not exists pg_trgm with schema public;

create index conference_customer_trgm on conference using gin (conference_id public.gin_trgm_ops);
create index conference_name_trgm on conference using gin (conference_name public.gin_trgm_ops);
create index participant_customer_trgm on participant using gin (participant_id public.gin_trgm_ops);
create index participant_name_trgm on participant using gin (participant_name public.gin_trgm_ops);
