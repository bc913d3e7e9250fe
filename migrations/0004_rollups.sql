-- Rollup cells: chart counters per app, filter point, time span, bucket, metric and
-- key (see src/store/rollups.rs). A summary reads the cells of its range for one
-- filter point, a primary-key range scan whose length depends on the buckets and
-- keys in range, not on the number of conferences.
create table rollup_cell (
    app_id uuid not null,
    point text not null,                 -- '' (every session) or 'browser=Chrome'
    span smallint not null,              -- 0: 15 minutes, 1: hour, 2: day (UTC)
    bucket bigint not null,              -- the span's start, unix microseconds
    metric smallint not null,            -- domain::rollup::Metric
    key text not null,
    n bigint not null,
    primary key (app_id, point, span, bucket, metric, key)
);
-- Cells that dropped to zero (a conference moved to another status) are pruned in
-- the background; this index finds them without a scan.
create index rollup_cell_empty on rollup_cell (app_id) where n = 0;
