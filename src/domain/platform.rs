//! The dimensions dashboards filter sessions by, read out of the UAParser `platform`
//! object the SDK sends.

use serde_json::Value;

#[derive(Debug, Default, PartialEq)]
pub struct PlatformDimensions {
    pub browser_name: Option<String>,
    pub browser_version: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
}

impl PlatformDimensions {
    pub fn of(platform: &str) -> PlatformDimensions {
        let Ok(platform) = serde_json::from_str::<Value>(platform) else {
            return PlatformDimensions::default();
        };
        let read = |section: &str, key: &str| {
            platform
                .get(section)
                .and_then(|part| part.get(key))
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(|text| text.chars().take(64).collect())
        };
        PlatformDimensions {
            browser_name: read("browser", "name"),
            browser_version: read("browser", "version"),
            os_name: read("os", "name"),
            os_version: read("os", "version"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_come_from_uaparser_fields() {
        let dims = PlatformDimensions::of(
            r#"{"browser":{"name":"Chrome","version":"124.0"},"os":{"name":"Mac OS"}}"#,
        );
        assert_eq!(dims.browser_name.as_deref(), Some("Chrome"));
        assert_eq!(dims.os_name.as_deref(), Some("Mac OS"));
        assert_eq!(dims.os_version, None);
        assert_eq!(
            PlatformDimensions::of("not json"),
            PlatformDimensions::default()
        );
    }
}
