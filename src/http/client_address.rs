//! Who the client is. Behind a reverse proxy the socket peer is the proxy, and the
//! client is in `X-Forwarded-For` — but every entry left of what the proxies appended
//! is written by the client and can be anything. So headers count only when the peer
//! is a trusted proxy, and the client is the rightmost entry that is not one.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

/// An address block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a
/// block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an address or address/prefix"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= width)
                .ok_or_else(|| format!("{text:?} has a prefix outside 0..={width}"))?,
            None => width,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, canonical(address)) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                masked(u128::from(u32::from(network)), 32, self.prefix)
                    == masked(u128::from(u32::from(address)), 32, self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                masked(u128::from(network), 128, self.prefix)
                    == masked(u128::from(address), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    bits >> (width - prefix)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are the IPv4 address.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    /// Comma-separated CIDRs, as the setting is written.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(Cidr::from_str)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(address))
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then the
    /// rightmost `X-Forwarded-For` entry that is not a trusted proxy (an entry that
    /// does not parse stops the walk at the last good one), or `X-Real-IP` when
    /// there is no `X-Forwarded-For`.
    pub fn client_address(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        if forwarded.is_empty() {
            return headers
                .get("x-real-ip")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse().ok())
                .map_or(peer, canonical);
        }
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            let Ok(address) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The resolved client address, put in every request's extensions by the
/// `resolve_client` middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress {
    pub address: IpAddr,
    /// The socket peer is a trusted proxy, so its other headers (geography) count.
    pub via_trusted_proxy: bool,
}

/// The socket peer of a request (absent only in unit tests that build requests by
/// hand).
pub fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn blocks_contain_what_they_should() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains(ip("10.200.1.1")));
        assert!(block.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        assert!(!block.contains(ip("11.0.0.1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!("10.0.0.1".parse::<Cidr>().unwrap().contains(ip("10.0.0.1")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let client = proxies.client_address(&forwarded("1.2.3.4"), ip("203.0.113.7"));
        assert_eq!(client, ip("203.0.113.7"));
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_entry() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client wrote "6.6.6.6" itself; the load balancer appended its peer.
        let headers = forwarded("6.6.6.6, 198.51.100.4, 192.168.1.1");
        assert_eq!(
            proxies.client_address(&headers, ip("10.0.0.2")),
            ip("198.51.100.4")
        );
        // Only trusted entries: the leftmost is the best we know.
        let headers = forwarded("10.1.1.1, 192.168.1.1");
        assert_eq!(
            proxies.client_address(&headers, ip("10.0.0.2")),
            ip("10.1.1.1")
        );
        // Garbage stops the walk at the last good entry.
        let headers = forwarded("1.1.1.1, garbage, 10.9.9.9");
        assert_eq!(
            proxies.client_address(&headers, ip("10.0.0.2")),
            ip("10.9.9.9")
        );
        // IPv6 clients and proxies.
        let proxies = TrustedProxies::parse("::1/128, fd00::/8").unwrap();
        let headers = forwarded("2001:db8::5, fd00::1");
        assert_eq!(
            proxies.client_address(&headers, ip("::1")),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn x_real_ip_counts_only_without_x_forwarded_for() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-real-ip", HeaderValue::from_static("198.51.100.9"));
        assert_eq!(
            proxies.client_address(&headers, ip("127.0.0.1")),
            ip("198.51.100.9")
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.10"));
        assert_eq!(
            proxies.client_address(&headers, ip("127.0.0.1")),
            ip("198.51.100.10")
        );
    }
}
