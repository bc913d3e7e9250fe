//! Builds the dashboard (`web/`) with Vite and embeds it: `OUT_DIR/web_assets.rs` lists
//! every file of the build, with its precompressed variants, as `include_bytes!`.
//!
//! Runs again only when the dashboard's sources change, so a Rust-only change never
//! waits for npm.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const WATCHED: &[&str] = &[
    "web/src",
    "web/public",
    "web/index.html",
    "web/package.json",
    "web/package-lock.json",
    "web/vite.config.ts",
    "web/tsconfig.json",
];

fn main() {
    for path in WATCHED {
        println!("cargo::rerun-if-changed={path}");
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dist = out.join("web");
    let web = Path::new("web");

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let install = "Install Node.js 20.19 or newer with npm (from https://nodejs.org, \
                   `brew install node` on macOS, or `apt install nodejs npm` where the \
                   distribution's is new enough, such as Debian 13), then build again.";
    let node = Command::new("node").arg("--version").output();
    let Ok(node) = node.map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    else {
        panic!(
            "\n\ncallvitals embeds its dashboard, which is built with Node.js, and `node` is not on PATH.\n{install}\n\n"
        );
    };
    // Vite 8 needs 20.19+ (or 22.12+).
    let version: Vec<u32> = node
        .trim_start_matches('v')
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    if version.as_slice() < [20, 19].as_slice() {
        panic!(
            "\n\ncallvitals builds its dashboard with Vite, which needs Node.js 20.19 or newer; this is {node}.\n{install}\n\n"
        );
    }
    if Command::new(npm).arg("--version").output().is_err() {
        panic!(
            "\n\ncallvitals builds its dashboard with npm, which is not on PATH.\n{install}\n\n"
        );
    }
    if needs_install(web) {
        run(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(web),
            "npm ci",
        );
    }
    run(
        Command::new(npm)
            .args([
                "run",
                "build",
                "--",
                "--emptyOutDir",
                "--logLevel",
                "warn",
                "--outDir",
            ])
            .arg(&dist)
            .current_dir(web),
        "npm run build",
    );

    let mut files = Vec::new();
    collect(&dist, &mut files);
    files.sort();
    let mut listing = String::from("&[\n");
    for file in &files {
        let name = file.to_string_lossy();
        if name.ends_with(".gz") || name.ends_with(".br") {
            continue;
        }
        let variant = |suffix: &str| {
            let path = PathBuf::from(format!("{name}.{suffix}"));
            if path.exists() {
                format!("Some(include_bytes!({:?}))", path.display().to_string())
            } else {
                "None".to_owned()
            }
        };
        let path = file.strip_prefix(&dist).expect("under dist");
        let path = path.to_string_lossy().replace('\\', "/");
        listing.push_str(&format!(
            "    Asset {{ path: {path:?}, body: include_bytes!({name:?}), gzip: {}, brotli: {} }},\n",
            variant("gz"),
            variant("br"),
        ));
    }
    listing.push(']');
    fs::write(out.join("web_assets.rs"), listing).expect("write web_assets.rs");
}

/// `npm ci` when `node_modules` is missing or older than the lockfile.
fn needs_install(web: &Path) -> bool {
    let modified = |path: PathBuf| fs::metadata(path).and_then(|meta| meta.modified()).ok();
    match (
        modified(web.join("node_modules/.package-lock.json")),
        modified(web.join("package-lock.json")),
    ) {
        (Some(installed), Some(locked)) => installed < locked,
        _ => true,
    }
}

fn run(command: &mut Command, what: &str) {
    let status = command
        .status()
        .unwrap_or_else(|error| panic!("{what} could not start: {error}"));
    assert!(
        status.success(),
        "{what} failed ({status}); its output is above"
    );
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read the dashboard build") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
