//! Where a client is: country, city and coordinates from a MaxMind-format (`.mmdb`)
//! database, for the dashboards' maps and country filters. Two layouts are read: the
//! GeoLite2/GeoIP2 City layout (`country.iso_code`, `city.names.en`,
//! `location.latitude`) and the flat layout of the ip-location-db files
//! (`country_code`, `city`, `latitude`, `longitude`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub country_code: Option<String>,
    pub region_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Location {
    pub fn is_empty(&self) -> bool {
        self == &Location::default()
    }
}

pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl GeoIp {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|error| {
            anyhow::anyhow!("cannot open the GeoIP database {}: {error}", path.display())
        })?;
        Ok(GeoIp { reader })
    }

    /// The location of an address; empty for private or unknown addresses.
    pub fn lookup(&self, address: IpAddr) -> Location {
        let record: Option<BTreeMap<String, Value>> = match self.reader.lookup(address) {
            Ok(record) => record,
            Err(error) => {
                tracing::debug!(error = %error, "GeoIP lookup failed");
                None
            }
        };
        record
            .map(|record| location_of(&record))
            .unwrap_or_default()
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn location_of(record: &BTreeMap<String, Value>) -> Location {
    let nested = |path: &[&str]| {
        let mut value = record.get(path[0])?;
        for key in &path[1..] {
            value = value.get(key)?;
        }
        Some(value)
    };
    let number = |value: Option<&Value>| value.and_then(Value::as_f64);
    Location {
        country_code: text(nested(&["country", "iso_code"]))
            .or_else(|| text(record.get("country_code"))),
        region_code: nested(&["subdivisions"])
            .and_then(|subdivisions| subdivisions.get(0))
            .and_then(|first| text(first.get("iso_code")))
            .or_else(|| text(record.get("state1"))),
        city: text(nested(&["city", "names", "en"])).or_else(|| text(record.get("city"))),
        latitude: number(nested(&["location", "latitude"]))
            .or_else(|| number(record.get("latitude"))),
        longitude: number(nested(&["location", "longitude"]))
            .or_else(|| number(record.get("longitude"))),
    }
}

/// Opens the configured database, or says once that sessions get no geography.
pub fn open_configured(path: Option<&Path>) -> anyhow::Result<Option<GeoIp>> {
    match path {
        Some(path) => {
            let geoip = GeoIp::open(path)?;
            tracing::info!(database = %path.display(), "GeoIP enabled");
            Ok(Some(geoip))
        }
        None => {
            tracing::info!(
                "no GeoIP database configured (CALLVITALS_GEOIP_DATABASE): sessions get no country or city"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_give_the_same_location() {
        let maxmind: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({
            "country": {"iso_code": "DE"}, "city": {"names": {"en": "Berlin", "de": "Berlin"}},
            "location": {"latitude": 52.5, "longitude": 13.4}, "subdivisions": [{"iso_code": "BE"}]
        }))
        .unwrap();
        let flat: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({
            "country_code": "DE", "city": "Berlin", "latitude": 52.5, "longitude": 13.4, "state1": "BE"
        }))
        .unwrap();
        let expected = Location {
            country_code: Some("DE".into()),
            region_code: Some("BE".into()),
            city: Some("Berlin".into()),
            latitude: Some(52.5),
            longitude: Some(13.4),
        };
        assert_eq!(location_of(&maxmind), expected);
        assert_eq!(location_of(&flat), expected);
        assert!(location_of(&BTreeMap::new()).is_empty());
    }
}
