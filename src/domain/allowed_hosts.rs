//! The pages an app accepts `/v1/initialize` from: a list of host patterns matched
//! against the request's `Origin`. PeerMetrics compared the bare host with one domain
//! and so refused `localhost`, ports and subdomains; here a pattern is
//!
//! - `meet.example.com`: that host, on any port;
//! - `meet.example.com:8443`, `localhost:3000`, `[::1]:5173`: that host on that port
//!   (an `Origin` without a port means the scheme's default port);
//! - `*.example.com`: any subdomain of example.com, at any depth, but not
//!   example.com itself (list both to accept both).
//!
//! Hosts compare case-insensitively. The list is stored as one space-separated text.

use std::fmt;

/// Patterns per app: enough for every environment of an app, small enough to scan.
pub const MAX_PATTERNS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// Lower-cased host without brackets; for a wildcard, the suffix after `*.`.
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern(pub String);

impl fmt::Display for InvalidPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a host pattern (host, host:port or *.domain)",
            self.0
        )
    }
}

/// Splits `host[:port]` / `[v6]:port`, lower-casing the host.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (authority, None),
        }
    };
    let port = match port {
        Some(text) => Some(text.parse::<u16>().ok().filter(|port| *port != 0)?),
        None => None,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}

fn valid_host(host: &str) -> bool {
    host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        && !host.starts_with('.')
        && !host.contains("..")
}

impl HostPattern {
    pub fn parse(text: &str) -> Result<HostPattern, InvalidPattern> {
        let invalid = || InvalidPattern(text.to_owned());
        let trimmed = text.trim();
        let (wildcard, rest) = match trimmed.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (host, port) = split_host_port(rest).ok_or_else(invalid)?;
        if !valid_host(&host) || (wildcard && !host.contains(|c: char| c.is_ascii_alphabetic())) {
            return Err(invalid());
        }
        Ok(HostPattern {
            host,
            wildcard,
            port,
        })
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        let host_matches = if self.wildcard {
            host.len() > self.host.len() + 1
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.'
        } else {
            host == self.host
        };
        host_matches && self.port.is_none_or(|wanted| wanted == port)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// An app's allowed hosts. Empty: any page may initialize.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<HostPattern>);

impl AllowedHosts {
    pub fn parse_list<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
    ) -> Result<AllowedHosts, InvalidPattern> {
        let mut parsed: Vec<HostPattern> = Vec::new();
        for text in patterns {
            let pattern = HostPattern::parse(text)?;
            if !parsed.contains(&pattern) {
                parsed.push(pattern);
            }
        }
        if parsed.len() > MAX_PATTERNS {
            return Err(InvalidPattern(format!("more than {MAX_PATTERNS} patterns")));
        }
        Ok(AllowedHosts(parsed))
    }

    /// What a stored (space-separated) list means. One that no longer parses allows
    /// nothing: a broken allow-list fails closed.
    pub fn from_stored(stored: Option<&str>) -> StoredHosts {
        match stored.map(str::trim).filter(|text| !text.is_empty()) {
            None => StoredHosts::Anyone,
            Some(text) => match AllowedHosts::parse_list(text.split_whitespace()) {
                Ok(hosts) => StoredHosts::Only(hosts),
                Err(_) => StoredHosts::Only(AllowedHosts::default()),
            },
        }
    }

    pub fn to_stored(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    pub fn patterns(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Whether a request with this `Origin` header value may initialize.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some((scheme, rest)) = origin.trim().split_once("://") else {
            return false;
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let Some((host, port)) = split_host_port(authority) else {
            return false;
        };
        let port = match (port, scheme.to_ascii_lowercase().as_str()) {
            (Some(port), _) => port,
            (None, "https") => 443,
            (None, "http") => 80,
            (None, _) => return false,
        };
        self.0.iter().any(|pattern| pattern.matches(&host, port))
    }
}

/// What an app's stored list means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredHosts {
    Anyone,
    Only(AllowedHosts),
}

impl StoredHosts {
    pub fn allows(&self, origin: Option<&str>) -> bool {
        match self {
            StoredHosts::Anyone => true,
            StoredHosts::Only(hosts) => origin.is_some_and(|origin| hosts.allows_origin(origin)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(patterns: &[&str]) -> AllowedHosts {
        AllowedHosts::parse_list(patterns.iter().copied()).unwrap()
    }

    #[test]
    fn exact_hosts_match_any_port_and_case() {
        let list = hosts(&["meet.example.com"]);
        assert!(list.allows_origin("https://meet.example.com"));
        assert!(list.allows_origin("https://MEET.example.com:8443"));
        assert!(!list.allows_origin("https://evil.com"));
        assert!(!list.allows_origin("https://meet.example.com.evil.com"));
        assert!(!list.allows_origin("https://xmeet.example.com"));
    }

    #[test]
    fn ports_pin_the_port_and_default_by_scheme() {
        let list = hosts(&["localhost:3000", "app.example.com:443"]);
        assert!(list.allows_origin("http://localhost:3000"));
        assert!(!list.allows_origin("http://localhost:3001"));
        assert!(!list.allows_origin("http://localhost"));
        assert!(list.allows_origin("https://app.example.com"));
        assert!(!list.allows_origin("http://app.example.com"));
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let list = hosts(&["*.example.com"]);
        assert!(list.allows_origin("https://a.example.com"));
        assert!(list.allows_origin("https://a.b.example.com:9000"));
        assert!(!list.allows_origin("https://example.com"));
        assert!(!list.allows_origin("https://badexample.com"));
        assert!(!list.allows_origin("https://example.com.evil.net"));
    }

    #[test]
    fn ipv6_and_localhost_work() {
        let list = hosts(&["[::1]:5173", "localhost", "127.0.0.1"]);
        assert!(list.allows_origin("http://[::1]:5173"));
        assert!(list.allows_origin("http://localhost:8080"));
        assert!(list.allows_origin("http://127.0.0.1:1"));
        assert!(!list.allows_origin("null"));
        assert!(!list.allows_origin("http://[::2]:5173"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "",
            "*",
            "*.",
            "a b",
            "ex*ample.com",
            "host:0",
            "host:99999",
            "*.1.2",
            "https://x.com",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_stored_form_round_trips() {
        let list = hosts(&["*.Example.com", "localhost:3000", "[::1]:5173"]);
        let stored = list.to_stored().unwrap();
        assert_eq!(stored, "*.example.com localhost:3000 [::1]:5173");
        assert_eq!(
            AllowedHosts::from_stored(Some(&stored)),
            StoredHosts::Only(list)
        );
        assert_eq!(AllowedHosts::from_stored(None), StoredHosts::Anyone);
        assert!(!StoredHosts::Only(hosts(&["a.com"])).allows(None));
    }
}
