-- The initial schema. This one file runs unchanged on PostgreSQL and SQLite, so it
-- sticks to the types both understand: uuid, text, bigint, double precision, boolean
-- and bytea (SQLite keeps uuids and bytea as blobs, booleans as 0/1).
--
-- Every timestamp is a bigint of unix microseconds (UTC). Both engines compare and
-- bucket integers the same way, and rollups bucket with plain integer division.
--
-- High-volume tables (event, stats_sample, track_sample) carry no foreign keys: ingest
-- checks ownership before it writes, and an FK check per sample row is pure overhead.

create table organization (
    id uuid primary key,
    name text not null,
    created_at bigint not null
);
create unique index organization_name_key on organization (name);

create table account (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    email text not null,
    password_hash text not null,         -- argon2id PHC string
    created_at bigint not null
);
create unique index account_email_key on account (email);

create table app (
    id uuid primary key,
    organization_id uuid not null references organization (id) on delete cascade,
    name text not null,
    api_key text not null,               -- 32 chars [a-z0-9], public: it ships in browser code
    domain text,                         -- when set, /initialize requires this Origin host
    recording boolean not null default true,
    created_at bigint not null
);
create unique index app_api_key_key on app (api_key);
create unique index app_organization_name_key on app (organization_id, name);

-- A conference keeps the facts that dashboards aggregate (status, duration, counts)
-- current at ingest time, so summaries never scan sessions, connections or issues.
create table conference (
    id uuid primary key,
    app_id uuid not null references app (id) on delete cascade,
    conference_id text not null,         -- the customer's id (SDK conferenceId)
    conference_name text,
    created_at bigint not null,
    start_time bigint,                   -- first addConnection
    call_start bigint,                   -- start of the current active period, null when idle
    end_time bigint,                     -- when the last connection ended
    ongoing boolean not null default false,
    duration_s bigint not null default 0, -- sum of active periods only
    last_activity_at bigint not null,    -- coarse (a few seconds); the sweeper refines it
    participant_count bigint not null default 0, -- non-SFU participants with a session
    session_count bigint not null default 0,
    connection_count bigint not null default 0,
    error_count bigint not null default 0,
    warning_count bigint not null default 0
);
create unique index conference_app_customer_key on conference (app_id, conference_id);
create index conference_app_created on conference (app_id, created_at, id);
create index conference_ongoing_activity on conference (last_activity_at) where ongoing;

create table participant (
    id uuid primary key,
    app_id uuid not null references app (id) on delete cascade,
    participant_id text not null,        -- the customer's user id, or a peer id from addConnection
    participant_name text,
    is_sfu boolean not null default false,
    created_at bigint not null
);
create unique index participant_app_customer_key on participant (app_id, participant_id);
create index participant_app_created on participant (app_id, created_at, id);

create table conference_participant (
    conference_id uuid not null references conference (id) on delete cascade,
    participant_id uuid not null references participant (id) on delete cascade,
    created_at bigint not null,
    primary key (conference_id, participant_id)
);
create index conference_participant_participant on conference_participant (participant_id, conference_id);

-- One browser page-session of one participant in one conference. The dimensions that
-- dashboards filter on are copied out of the JSON into columns at ingest.
create table session (
    id uuid primary key,
    app_id uuid not null references app (id) on delete cascade,
    conference_id uuid not null references conference (id) on delete cascade,
    participant_id uuid not null references participant (id) on delete cascade,
    created_at bigint not null,
    end_time bigint,
    call_start bigint,
    duration_s bigint not null default 0,
    platform text,
    devices text,
    constraints text,
    metadata text,
    geo text,
    browser_name text,
    browser_version text,
    os_name text,
    os_version text,
    country_code text,
    city text,
    latitude double precision,
    longitude double precision,
    app_version text,
    webrtc_sdk text
);
create index session_conference on session (conference_id, participant_id);
create index session_participant on session (participant_id, created_at);
create index session_app_created on session (app_id, created_at, id);

-- One RTCPeerConnection as seen from one session (a P2P call has a row on each side).
create table connection (
    id uuid primary key,
    app_id uuid not null references app (id) on delete cascade,
    conference_id uuid not null references conference (id) on delete cascade,
    session_id uuid not null references session (id) on delete cascade,
    participant_id uuid not null references participant (id) on delete cascade,
    peer_id uuid not null references participant (id) on delete cascade,
    type text,                           -- host | srflx | prflx | relay (local candidate)
    state text not null default 'new',
    negotiations text not null default '[]',
    setup_time_ms bigint,                -- addConnection to first connected
    detected_tcp boolean not null default false,
    detected_turn boolean not null default false,
    established boolean not null default false, -- ever connected, or stats showed media
    start_time bigint not null,
    end_time bigint,
    duration_s bigint not null default 0,
    created_at bigint not null
);
create index connection_session on connection (session_id);
create index connection_conference on connection (conference_id) ;
create index connection_app_created on connection (app_id, created_at, id);

create table track (
    id uuid primary key,
    session_id uuid not null references session (id) on delete cascade,
    connection_id uuid,
    kind text not null,                  -- audio | video
    direction text not null,             -- inbound | outbound
    track_id text not null,              -- MediaStreamTrack.id / trackIdentifier
    label text,
    info text not null default '{}',
    created_at bigint not null
);
create unique index track_session_key on track (session_id, direction, track_id);

-- SDK events other than stats: connection state changes, getUserMedia, browser events.
create table event (
    id uuid primary key,
    app_id uuid not null,
    conference_id uuid not null,
    session_id uuid not null,
    participant_id uuid not null,
    peer_id uuid,
    connection_id uuid,
    track_id uuid,
    category text not null,              -- browser | getUserMedia | connection | track
    type text not null,
    data text,
    created_at bigint not null
);
create index event_conference_created on event (conference_id, created_at);
create index event_session_type on event (session_id, type);

-- Every issue belongs to its conference (PeerMetrics left turn_used and
-- icecandidateerror without one, which hid them from every summary).
create table issue (
    id uuid primary key,
    app_id uuid not null references app (id) on delete cascade,
    conference_id uuid not null references conference (id) on delete cascade,
    session_id uuid not null references session (id) on delete cascade,
    participant_id uuid not null,
    connection_id uuid,
    track_id uuid,
    severity text not null,              -- error | warning
    code text not null,
    data text,
    created_at bigint not null
);
create index issue_conference on issue (conference_id, created_at);
create index issue_session_code on issue (session_id, code);
create index issue_app_created on issue (app_id, created_at, id);

-- One row per /v1/stats post: the candidate-pair numbers plus the raw payload, zstd
-- compressed, for whoever wants to see exactly what the browser reported.
create table stats_sample (
    connection_id uuid not null,
    created_at bigint not null,
    rtt_ms double precision,
    bytes_sent bigint,
    bytes_received bigint,
    packets_sent bigint,
    packets_received bigint,
    available_outgoing_bitrate double precision,
    local_candidate_type text,
    remote_candidate_type text,
    protocol text,
    raw bytea
);
create index stats_sample_connection_created on stats_sample (connection_id, created_at);

-- One row per RTP report in a stats post: the per-track series that graphs plot.
-- kind: 0 audio, 1 video; direction: 0 inbound, 1 outbound.
create table track_sample (
    connection_id uuid not null,
    track_id uuid,
    created_at bigint not null,
    kind smallint not null,
    direction smallint not null,
    ssrc bigint,
    bytes bigint,
    packets bigint,
    packets_lost bigint,
    bitrate double precision,            -- bits/s as computed by webrtc-stats
    jitter_ms double precision,
    rtt_ms double precision,
    frames_per_second double precision,
    frame_width bigint,
    frame_height bigint,
    audio_level double precision,
    emos double precision                -- inbound audio only
);
create index track_sample_connection_created on track_sample (connection_id, created_at);

-- Secrets every instance must share (token signing keys), generated on first start.
create table server_secret (
    name text primary key,
    value text not null
);
