//! Structured logs through `tracing`, filtered by `RUST_LOG` (default `info`),
//! as text or, with `CALLVITALS_LOG_FORMAT=json`, as JSON lines. Logs go to stderr so
//! stdout stays clean for commands whose output scripts read.

use tracing_subscriber::EnvFilter;

pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("CALLVITALS_LOG_FORMAT").is_ok_and(|format| format == "json");
    // try_init: tests call this more than once.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
