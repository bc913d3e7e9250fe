//! The static distributions the generated rows draw from: conference sizes and
//! names, candidate types, getUserMedia errors, session metadata, browsers, operating
//! systems, places and names, and the JSON the SDK reports verbatim.

/// Participants per conference: mostly 1:1 calls, some small groups, a few no-shows.
pub(super) const CONFERENCE_SIZES: &[(usize, u32)] =
    &[(1, 4), (2, 65), (3, 14), (4, 9), (5, 5), (6, 3)];
pub(super) const MAX_CONFERENCE_SIZE: usize = 6;

pub(super) const CONFERENCE_NAMES: &[(Option<&str>, u32)] = &[
    (None, 25),
    (Some("Daily standup"), 10),
    (Some("1:1"), 14),
    (Some("Weekly sync"), 8),
    (Some("Customer call"), 10),
    (Some("Support session"), 9),
    (Some("Interview"), 6),
    (Some("Design review"), 5),
    (Some("Onboarding"), 5),
    (Some("Office hours"), 4),
    (Some("Sales demo"), 4),
];

/// Local candidate type of an established connection.
pub(super) const CANDIDATE_TYPES: &[(&str, u32)] =
    &[("host", 55), ("srflx", 30), ("relay", 12), ("prflx", 3)];
pub(super) const RELAY: &str = "relay";

/// (name, message) of the DOMExceptions getUserMedia rejects with.
pub(super) const GET_USER_MEDIA_ERRORS: &[((&str, &str), u32)] = &[
    (("NotAllowedError", "Permission denied"), 55),
    (("NotFoundError", "Requested device not found"), 20),
    (("NotReadableError", "Could not start video source"), 18),
    (
        ("OverconstrainedError", "Constraints could not be satisfied"),
        7,
    ),
];

pub(super) const SESSION_METADATA: &[(Option<&str>, u32)] = &[
    (None, 45),
    (Some(r#"{"plan":"pro","role":"host"}"#), 15),
    (Some(r#"{"plan":"pro","role":"guest"}"#), 15),
    (Some(r#"{"plan":"free","role":"guest"}"#), 15),
    (
        Some(r#"{"plan":"enterprise","role":"host","region":"eu"}"#),
        10,
    ),
];

/// The SDK mostly runs without a named WebRTC wrapper.
pub(super) const WEBRTC_SDKS: &[(Option<&str>, u32)] = &[(None, 80), (Some(""), 20)];

/// What `navigator.mediaDevices.getSupportedConstraints()` returns in a current browser.
pub(super) const SUPPORTED_CONSTRAINTS: &str = r#"{"aspectRatio":true,"autoGainControl":true,"brightness":true,"channelCount":true,"deviceId":true,"echoCancellation":true,"facingMode":true,"frameRate":true,"groupId":true,"height":true,"latency":true,"noiseSuppression":true,"sampleRate":true,"sampleSize":true,"width":true}"#;
pub(super) const GET_USER_MEDIA_CONSTRAINTS: &str =
    r#"{"audio":true,"video":{"width":1280,"height":720}}"#;
pub(super) const AUDIO_TRACK_INFO: &str = r#"{"muted":false,"enabled":true,"readyState":"live","contentHint":"","settings":{"channelCount":1,"sampleRate":48000,"echoCancellation":true}}"#;
pub(super) const VIDEO_TRACK_INFO: &str = r#"{"muted":false,"enabled":true,"readyState":"live","contentHint":"","settings":{"width":1280,"height":720,"frameRate":30}}"#;

pub(super) struct Browser {
    pub(super) name: &'static str,
    pub(super) engine: &'static str,
    pub(super) versions: &'static [(&'static str, u32)],
    /// `{os}` takes the platform token of the OS, `{v}` the browser version.
    pub(super) user_agent: &'static str,
}

const CHROME: Browser = Browser {
    name: "Chrome",
    engine: "Blink",
    versions: &[
        ("122.0.0.0", 10),
        ("123.0.0.0", 20),
        ("124.0.0.0", 40),
        ("125.0.0.0", 30),
    ],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v} Safari/537.36",
};
const SAFARI: Browser = Browser {
    name: "Safari",
    engine: "WebKit",
    versions: &[("17.3", 20), ("17.4", 45), ("17.5", 35)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Safari/605.1.15",
};
const FIREFOX: Browser = Browser {
    name: "Firefox",
    engine: "Gecko",
    versions: &[("124.0", 30), ("125.0", 45), ("126.0", 25)],
    user_agent: "Mozilla/5.0 ({os}; rv:{v}) Gecko/20100101 Firefox/{v}",
};
const EDGE: Browser = Browser {
    name: "Edge",
    engine: "Blink",
    versions: &[("123.0.2420.97", 35), ("124.0.2478.80", 65)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/{v}",
};
const OPERA: Browser = Browser {
    name: "Opera",
    engine: "Blink",
    versions: &[("109.0.0.0", 100)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/{v}",
};
const SAMSUNG_INTERNET: Browser = Browser {
    name: "Samsung Internet",
    engine: "Blink",
    versions: &[("24.0", 100)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{v} Chrome/117.0.0.0 Mobile Safari/537.36",
};

pub(super) struct Os {
    pub(super) name: &'static str,
    /// Empty when UAParser reports no version.
    pub(super) versions: &'static [(&'static str, u32)],
    pub(super) user_agent: &'static str,
    /// UAParser's `device` (vendor, model, type) for mobiles.
    pub(super) device: Option<(&'static str, &'static str, &'static str)>,
    pub(super) cpu: Option<&'static str>,
    pub(super) microphone: &'static str,
    pub(super) camera: &'static str,
    pub(super) speaker: Option<&'static str>,
}

const WINDOWS: Os = Os {
    name: "Windows",
    versions: &[("10", 100)],
    user_agent: "Windows NT 10.0; Win64; x64",
    device: None,
    cpu: Some("amd64"),
    microphone: "Microphone Array (Realtek(R) Audio)",
    camera: "Integrated Webcam (0c45:6723)",
    speaker: Some("Speakers (Realtek(R) Audio)"),
};
const MAC_OS: Os = Os {
    name: "Mac OS",
    versions: &[("10.15.7", 100)],
    user_agent: "Macintosh; Intel Mac OS X 10_15_7",
    device: None,
    cpu: None,
    microphone: "MacBook Pro Microphone (Built-in)",
    camera: "FaceTime HD Camera (1C1C:B782)",
    speaker: Some("MacBook Pro Speakers (Built-in)"),
};
const IOS: Os = Os {
    name: "iOS",
    versions: &[("17.3", 20), ("17.4.1", 45), ("17.5", 35)],
    user_agent: "iPhone; CPU iPhone OS 17_4_1 like Mac OS X",
    device: Some(("Apple", "iPhone", "mobile")),
    cpu: None,
    microphone: "iPhone Microphone",
    camera: "Front Camera",
    speaker: None,
};
const ANDROID: Os = Os {
    name: "Android",
    versions: &[("13", 40), ("14", 60)],
    user_agent: "Linux; Android 14; K",
    device: Some(("Samsung", "SM-S918B", "mobile")),
    cpu: None,
    microphone: "Default",
    camera: "camera2 1, facing front",
    speaker: None,
};
const LINUX: Os = Os {
    name: "Linux",
    versions: &[],
    user_agent: "X11; Linux x86_64",
    device: None,
    cpu: Some("amd64"),
    microphone: "Built-in Audio Analog Stereo",
    camera: "HD Webcam C270 (046d:0825)",
    speaker: Some("Built-in Audio Analog Stereo"),
};

/// Browser and OS combinations: Chrome ~65%, Safari ~15%, Firefox ~10%, Edge ~8%.
pub(super) const PLATFORMS: &[((&Browser, &Os), u32)] = &[
    ((&CHROME, &WINDOWS), 32),
    ((&CHROME, &MAC_OS), 17),
    ((&CHROME, &ANDROID), 11),
    ((&CHROME, &LINUX), 5),
    ((&SAFARI, &MAC_OS), 8),
    ((&SAFARI, &IOS), 7),
    ((&FIREFOX, &WINDOWS), 6),
    ((&FIREFOX, &MAC_OS), 2),
    ((&FIREFOX, &LINUX), 2),
    ((&EDGE, &WINDOWS), 7),
    ((&EDGE, &MAC_OS), 1),
    ((&OPERA, &WINDOWS), 1),
    ((&SAMSUNG_INTERNET, &ANDROID), 1),
];

pub(super) struct City {
    pub(super) country: &'static str,
    pub(super) region: &'static str,
    pub(super) name: &'static str,
    pub(super) latitude: f64,
    pub(super) longitude: f64,
}

const fn city(
    country: &'static str,
    region: &'static str,
    name: &'static str,
    latitude: f64,
    longitude: f64,
) -> City {
    City {
        country,
        region,
        name,
        latitude,
        longitude,
    }
}

pub(super) const CITIES: &[(City, u32)] = &[
    (city("US", "NY", "New York", 40.7128, -74.0060), 8),
    (city("US", "CA", "San Francisco", 37.7749, -122.4194), 6),
    (city("US", "IL", "Chicago", 41.8781, -87.6298), 4),
    (city("US", "TX", "Austin", 30.2672, -97.7431), 3),
    (city("US", "WA", "Seattle", 47.6062, -122.3321), 3),
    (city("US", "MA", "Boston", 42.3601, -71.0589), 2),
    (city("GB", "ENG", "London", 51.5074, -0.1278), 7),
    (city("GB", "ENG", "Manchester", 53.4808, -2.2426), 2),
    (city("DE", "BE", "Berlin", 52.5200, 13.4050), 4),
    (city("DE", "BY", "Munich", 48.1351, 11.5820), 3),
    (city("DE", "HH", "Hamburg", 53.5511, 9.9937), 2),
    (city("IN", "KA", "Bengaluru", 12.9716, 77.5946), 5),
    (city("IN", "MH", "Mumbai", 19.0760, 72.8777), 3),
    (city("IN", "DL", "New Delhi", 28.6139, 77.2090), 3),
    (city("IN", "MH", "Pune", 18.5204, 73.8567), 2),
    (city("BR", "SP", "São Paulo", -23.5505, -46.6333), 4),
    (city("BR", "RJ", "Rio de Janeiro", -22.9068, -43.1729), 2),
    (city("FR", "IDF", "Paris", 48.8566, 2.3522), 3),
    (city("ES", "MD", "Madrid", 40.4168, -3.7038), 2),
    (city("NL", "NH", "Amsterdam", 52.3676, 4.9041), 2),
    (city("CA", "ON", "Toronto", 43.6532, -79.3832), 3),
    (city("AU", "NSW", "Sydney", -33.8688, 151.2093), 2),
    (city("JP", "13", "Tokyo", 35.6762, 139.6503), 2),
    (city("MX", "CMX", "Mexico City", 19.4326, -99.1332), 2),
    (city("RO", "B", "Bucharest", 44.4268, 26.1025), 2),
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Yara", "Zoe",
];
pub(super) const LAST_INITIALS: &[u8] = b"ABCDEFGHIJKLMNOPRSTVW";
