-- Accounts: users who may belong to several organizations, each with a role;
-- server-side dashboard sessions; personal API tokens; an audit trail; and app key
-- rotation with a grace period.

-- A user is no longer tied to one organization: `account` becomes `user_account`
-- plus one `membership` per organization. Users created before this were the only
-- people of their organization, so they become its owners.
create table user_account (
    id uuid primary key,
    email text not null,                 -- lower-cased
    password_hash text not null,         -- argon2id PHC string
    created_at bigint not null
);
create unique index user_account_email_key on user_account (email);
insert into user_account (id, email, password_hash, created_at)
    select id, email, password_hash, created_at from account;

create table membership (
    organization_id uuid not null references organization (id) on delete cascade,
    user_id uuid not null references user_account (id) on delete cascade,
    role text not null check (role in ('owner', 'member')),
    created_at bigint not null,
    primary key (organization_id, user_id)
);
create index membership_user on membership (user_id);
insert into membership (organization_id, user_id, role, created_at)
    select organization_id, id, 'owner', created_at from account;

drop table account;

-- Dashboard sessions, shared by every instance. The key is the SHA-256 of the
-- cookie's value, so a copy of the database holds no usable session.
create table login_session (
    token_hash text primary key,
    user_id uuid not null references user_account (id) on delete cascade,
    created_at bigint not null,          -- for the absolute lifetime
    last_seen_at bigint not null,        -- for the idle lifetime (updated coarsely)
    client_address text
);
create index login_session_user on login_session (user_id);
create index login_session_last_seen on login_session (last_seen_at);

-- Personal API tokens for scripts: the token is shown once and only its SHA-256 kept.
create table api_token (
    id uuid primary key,
    user_id uuid not null references user_account (id) on delete cascade,
    name text not null,
    token_hash text not null,
    created_at bigint not null,
    expires_at bigint,                   -- null: never
    revoked_at bigint,
    last_used_at bigint
);
create unique index api_token_hash_key on api_token (token_hash);
create index api_token_user on api_token (user_id, created_at);

-- Who did what to accounts, keys and memberships. No foreign keys: the trail
-- outlives the users and apps it names.
create table audit_event (
    id uuid primary key,
    organization_id uuid,                -- null: not about one organization (logins)
    actor_user_id uuid,                  -- null: the operator token, or an unknown email
    actor text not null,                 -- email, or "admin token"
    action text not null,
    subject text,                        -- what was acted on (an app, a member)
    detail text,                         -- JSON
    client_address text,
    created_at bigint not null
);
create index audit_event_organization on audit_event (organization_id, created_at, id);
create index audit_event_actor on audit_event (actor_user_id, created_at, id);

-- Key rotation: the previous key keeps working until `previous_key_expires_at`.
alter table app add column previous_api_key text;
alter table app add column previous_key_expires_at bigint;
create unique index app_previous_api_key_key on app (previous_api_key);
-- Deleted apps stop ingesting and disappear from the dashboard at once; their data
-- is removed by retention, not inside the request.
alter table app add column deleted_at bigint;
-- A deleted app's name is free again.
drop index app_organization_name_key;
create unique index app_organization_name_key on app (organization_id, name) where deleted_at is null;
