//! Dashboard summaries: every chart of the app dashboard computed on the server, from
//! rollup cells, for any range, time zone and filter.

pub mod range;
