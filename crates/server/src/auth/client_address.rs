//! The client's address for rate limits: the TCP peer, or, when the peer is a proxy the
//! configuration trusts, the nearest address in `X-Forwarded-For` that is not a trusted proxy.
//! A header from anyone else is ignored: clients could write whatever they like in it.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::error::AppError;

/// Who is on the other end, as one limit key: IPv4 addresses as they are, IPv6 by their /64
/// (one subscriber's usual allocation, which an attacker could otherwise walk through).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Served without connection info (a router driven in-process): one shared key.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Self::of(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        ))
    }
}

impl ClientAddress {
    pub fn of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> Self {
        let peer = peer.to_canonical();
        let mut client = peer;
        if trusted.contains(&peer) {
            let forwarded = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .collect::<Vec<_>>();
            // Right to left: each trusted hop appended the address it saw.
            for hop in forwarded.iter().rev() {
                let Ok(addr) = hop.parse::<IpAddr>() else {
                    break;
                };
                client = addr.to_canonical();
                if !trusted.contains(&client) {
                    break;
                }
            }
        }
        Self(limit_key(client))
    }
}

fn limit_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let h = headers("203.0.113.9, 10.0.0.2");
        assert_eq!(
            ClientAddress::of(ip("198.51.100.1"), &h, &[]).0,
            ip("198.51.100.1")
        );
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            ClientAddress::of(ip("198.51.100.1"), &h, &trusted).0,
            ip("198.51.100.1")
        );
        assert_eq!(
            ClientAddress::of(ip("10.0.0.1"), &h, &trusted).0,
            ip("203.0.113.9")
        );
        // A client cannot hide behind an address it writes itself further left.
        let spoofed = headers("1.2.3.4, 203.0.113.9");
        assert_eq!(
            ClientAddress::of(ip("10.0.0.1"), &spoofed, &trusted).0,
            ip("203.0.113.9")
        );
        let garbage = headers("not an address");
        assert_eq!(
            ClientAddress::of(ip("10.0.0.1"), &garbage, &trusted).0,
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let none = HeaderMap::new();
        assert_eq!(
            ClientAddress::of(ip("2001:db8:1:2:aaaa::1"), &none, &[]),
            ClientAddress::of(ip("2001:db8:1:2:bbbb::9"), &none, &[])
        );
        assert_ne!(
            ClientAddress::of(ip("2001:db8:1:2::1"), &none, &[]),
            ClientAddress::of(ip("2001:db8:1:3::1"), &none, &[])
        );
        assert_eq!(
            ClientAddress::of(ip("::ffff:192.0.2.7"), &none, &[]).0,
            ip("192.0.2.7")
        );
    }
}
