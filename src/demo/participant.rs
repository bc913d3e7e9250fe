//! The people of an app's pool: who they are, and the device and place they call from.

use rand::Rng;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::catalog::{Browser, CITIES, City, FIRST_NAMES, LAST_INITIALS, Os, PLATFORMS};
use super::rng::{DemoRng, new_id, pick};

/// One person of an app's pool, with the device and place they always call from,
/// rendered to JSON once and copied into each of their sessions.
pub(super) struct Participant {
    pub(super) id: Uuid,
    pub(super) participant_id: String,
    pub(super) name: String,
    pub(super) browser: &'static Browser,
    pub(super) browser_version: &'static str,
    pub(super) os: &'static Os,
    pub(super) os_version: Option<&'static str>,
    pub(super) city: &'static City,
    pub(super) platform_json: String,
    pub(super) geo_json: String,
    pub(super) devices_json: String,
}

impl Participant {
    pub(super) fn generate(rng: &mut DemoRng, index: usize) -> Participant {
        let &(browser, os) = pick(rng, PLATFORMS);
        let browser_version = *pick(rng, browser.versions);
        let os_version = (!os.versions.is_empty()).then(|| *pick(rng, os.versions));
        let city = pick(rng, CITIES);
        let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let initial = LAST_INITIALS[rng.gen_range(0..LAST_INITIALS.len())] as char;
        Participant {
            id: new_id(rng),
            participant_id: format!("user-{:05}", index + 1),
            name: format!("{first} {initial}."),
            browser,
            browser_version,
            os,
            os_version,
            city,
            platform_json: platform_json(browser, browser_version, os, os_version),
            geo_json: json!({
                "country_code": city.country,
                "region_code": city.region,
                "city": city.name,
                "latitude": city.latitude,
                "longitude": city.longitude,
            })
            .to_string(),
            devices_json: devices_json(rng, os),
        }
    }
}

/// A UAParser result as the SDK sends it.
fn platform_json(browser: &Browser, version: &str, os: &Os, os_version: Option<&str>) -> String {
    let user_agent = browser
        .user_agent
        .replace("{os}", os.user_agent)
        .replace("{v}", version);
    let major = version.split('.').next().unwrap_or(version);
    let mut os_json = Map::new();
    os_json.insert("name".into(), os.name.into());
    if let Some(os_version) = os_version {
        os_json.insert("version".into(), os_version.into());
    }
    let device = match os.device {
        Some((vendor, model, kind)) => json!({"vendor": vendor, "model": model, "type": kind}),
        None => json!({}),
    };
    let cpu = match os.cpu {
        Some(architecture) => json!({"architecture": architecture}),
        None => json!({}),
    };
    json!({
        "ua": user_agent,
        "browser": {"name": browser.name, "version": version, "major": major},
        "engine": {"name": browser.engine},
        "os": Value::Object(os_json),
        "device": device,
        "cpu": cpu,
    })
    .to_string()
}

/// The MediaDeviceInfo list: microphone and camera, plus a speaker where browsers list one.
fn devices_json(rng: &mut DemoRng, os: &Os) -> String {
    let audio_group = hex_id(rng);
    let mut devices = vec![
        json!({"deviceId": hex_id(rng), "kind": "audioinput", "label": os.microphone, "groupId": audio_group}),
        json!({"deviceId": hex_id(rng), "kind": "videoinput", "label": os.camera, "groupId": hex_id(rng)}),
    ];
    if let Some(speaker) = os.speaker {
        devices.push(json!({"deviceId": hex_id(rng), "kind": "audiooutput", "label": speaker, "groupId": audio_group}));
    }
    Value::Array(devices).to_string()
}

fn hex_id(rng: &mut DemoRng) -> String {
    format!(
        "{:016x}{:016x}{:016x}{:016x}",
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>()
    )
}
