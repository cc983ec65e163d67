//! Server-side requests (attachment fetches, outbound delivery, bots, integration webhooks) go
//! only to http/https URLs on public unicast addresses. A channel that allows private networks
//! (a bridge on the same host or LAN, tests) may also reach loopback, private, shared,
//! link-local and unique-local addresses; multicast, reserved, benchmarking, documentation,
//! "this network" and the IPv4-in-IPv6 transition prefixes (6to4, NAT64) are never reached.
//! IPv4-mapped and IPv4-compatible IPv6 addresses are judged as the IPv4 address they carry.
//! The address is checked after DNS resolution and then pinned for the request, so a name
//! cannot resolve to a public address for the check and a private one for the request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// What an address is, for the guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    /// A public unicast address.
    Public,
    /// Reachable only when the channel allows private networks; says what it is.
    Private(&'static str),
    /// Never reached; says what it is.
    Never(&'static str),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlRefused {
    #[error("{0} is not an http:// or https:// URL")]
    Scheme(String),
    #[error("{0} is not a valid URL")]
    Invalid(String),
    #[error("{}{kind}; allow_private_network is off", resolves(host, *addr))]
    Private {
        host: String,
        addr: IpAddr,
        kind: &'static str,
    },
    #[error("{}{kind}, which the server never sends to", resolves(host, *addr))]
    Never {
        host: String,
        addr: IpAddr,
        kind: &'static str,
    },
    #[error("{0} could not be resolved")]
    Unresolved(String),
}

impl UrlRefused {
    /// Whether asking again later can change the answer (DNS can; the rest cannot).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, UrlRefused::Unresolved(_))
    }
}

/// "10.0.0.5 is " for a literal address, "bridge.lan resolves to 10.0.0.5, " for a name.
fn resolves(host: &str, addr: IpAddr) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        format!("{addr} is ")
    } else {
        format!("{host} resolves to {addr}, ")
    }
}

/// Classifies an address (see the module comment for the rules).
/// Whether text is an http:// or https:// URL with a host: the only URLs the server fetches
/// or posts to (where it may go is then the guard's to say).
pub fn is_web_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Whether a channel that does not allow private networks must not reach the address.
pub fn is_private(ip: IpAddr) -> bool {
    classify(ip) != AddressClass::Public
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::{Never, Private, Public};
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        // 0.0.0.0/8 "this network": 0.0.0.0 connects to the local host on Linux.
        (0, _, _) => Never("a \"this network\" address (0.0.0.0/8)"),
        (127, _, _) => Private("a loopback address"),
        (10, _, _) | (192, 168, _) => Private("a private network address"),
        (172, 16..=31, _) => Private("a private network address"),
        (100, 64..=127, _) => Private("a shared (carrier-grade NAT) address"),
        (169, 254, _) => Private("a link-local address"),
        (192, 0, 0) => Never("an IETF protocol assignment address (192.0.0.0/24)"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Never("a documentation address"),
        (192, 88, 99) => Never("a 6to4 relay address (192.88.99.0/24)"),
        (198, 18..=19, _) => Never("a benchmarking address (198.18.0.0/15)"),
        (224..=239, _, _) => Never("a multicast address"),
        (255, 255, 255) if ip.is_broadcast() => Never("the broadcast address"),
        (240..=255, _, _) => Never("a reserved address (240.0.0.0/4)"),
        _ => Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::{Never, Private, Public};
    let s = ip.segments();
    if ip.is_unspecified() {
        return Never("the unspecified address");
    }
    if ip.is_loopback() {
        return Private("a loopback address");
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) reach an IPv4 host.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if s[..6] == [0; 6] {
        let [_, _, _, _, _, _, _, _, _, _, _, _, a, b, c, d] = ip.octets();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    match s[0] {
        0xff00..=0xffff => Never("a multicast address"),
        0xfe80..=0xfebf => Private("a link-local address"),
        0xfec0..=0xfeff => Private("a site-local address (deprecated)"),
        0xfc00..=0xfdff => Private("a unique-local address"),
        // 64:ff9b::/96 (and the local-use 64:ff9b:1::/48) translate to IPv4 at a NAT64 gateway.
        0x0064 if s[1] == 0xff9b => Never("a NAT64 address (64:ff9b::/96)"),
        0x2002 => Never("a 6to4 address (2002::/16)"),
        0x2001 if s[1] == 0 => Never("a Teredo address (2001::/32)"),
        0x2001 if s[1] == 0x0db8 => Never("a documentation address"),
        0x2001 if s[1] == 0x0002 && s[2] == 0 => Never("a benchmarking address (2001:2::/48)"),
        0x0100 if s[1..4] == [0, 0, 0] => Never("a discard-only address (100::/64)"),
        _ => Public,
    }
}

/// A URL cleared for a request, with the address to connect to.
#[derive(Debug, Clone)]
pub struct Cleared {
    pub url: Url,
    pub host: String,
    pub addr: SocketAddr,
}

/// Refuses an address the rules do not let this request reach.
pub fn check(host: &str, addr: IpAddr, allow_private: bool) -> Result<(), UrlRefused> {
    match classify(addr) {
        AddressClass::Public => Ok(()),
        AddressClass::Private(_) if allow_private => Ok(()),
        AddressClass::Private(kind) => Err(UrlRefused::Private {
            host: host.to_owned(),
            addr,
            kind,
        }),
        AddressClass::Never(kind) => Err(UrlRefused::Never {
            host: host.to_owned(),
            addr,
            kind,
        }),
    }
}

/// Parses, resolves and checks a URL. Every address the name resolves to must pass.
pub async fn clear(raw: &str, allow_private: bool) -> Result<Cleared, UrlRefused> {
    let url = Url::parse(raw).map_err(|_| UrlRefused::Invalid(raw.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::Scheme(raw.to_owned()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| UrlRefused::Invalid(raw.to_owned()))?
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let lookup_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((lookup_host.as_str(), port))
        .await
        .map_err(|_| UrlRefused::Unresolved(host.clone()))?
        .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| UrlRefused::Unresolved(host.clone()))?;
    for a in &addrs {
        check(&host, a.ip(), allow_private)?;
    }
    Ok(Cleared { url, host, addr })
}

/// A client that connects `host` to the cleared address only.
pub fn pinned_client(
    cleared: &Cleared,
    timeout: std::time::Duration,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .resolve(&cleared.host, cleared.addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(10)))
        .user_agent(concat!("is-messenger-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ip: &str) -> AddressClass {
        classify(ip.parse().unwrap())
    }

    fn assert_private(ips: &[&str], kind: &str) {
        for ip in ips {
            match class(ip) {
                AddressClass::Private(k) => assert!(k.contains(kind), "{ip}: {k}"),
                other => panic!("{ip} should be private ({kind}), is {other:?}"),
            }
        }
    }

    fn assert_never(ips: &[&str], kind: &str) {
        for ip in ips {
            match class(ip) {
                AddressClass::Never(k) => assert!(k.contains(kind), "{ip}: {k}"),
                other => panic!("{ip} should never be reached ({kind}), is {other:?}"),
            }
        }
    }

    #[test]
    fn loopback_private_shared_and_link_local_v4_need_private_networks() {
        assert_private(&["127.0.0.1", "127.255.255.254"], "loopback");
        assert_private(
            &[
                "10.0.0.5",
                "10.255.255.255",
                "172.16.5.5",
                "172.31.0.1",
                "192.168.0.9",
            ],
            "private network",
        );
        assert_private(&["100.64.0.1", "100.127.255.255"], "shared");
        assert_private(&["169.254.1.1", "169.254.169.254"], "link-local");
    }

    #[test]
    fn never_reached_v4_ranges() {
        assert_never(&["0.0.0.0", "0.1.2.3", "0.255.255.255"], "this network");
        assert_never(&["224.0.0.1", "239.255.255.250", "233.1.1.1"], "multicast");
        assert_never(&["240.0.0.1", "250.1.2.3", "255.255.255.254"], "reserved");
        assert_never(&["255.255.255.255"], "broadcast");
        assert_never(&["198.18.0.1", "198.19.255.255"], "benchmarking");
        assert_never(
            &["192.0.2.1", "198.51.100.7", "203.0.113.9"],
            "documentation",
        );
        assert_never(&["192.0.0.8"], "IETF");
        assert_never(&["192.88.99.1"], "6to4 relay");
    }

    #[test]
    fn v6_private_and_never_ranges() {
        assert_private(&["::1"], "loopback");
        assert_private(&["fe80::1", "febf::1"], "link-local");
        assert_private(&["fec0::1", "feff::1"], "site-local");
        assert_private(&["fc00::1", "fd12:3456::1"], "unique-local");
        assert_never(&["::"], "unspecified");
        assert_never(&["ff02::1", "ff0e::1", "ff00::"], "multicast");
        assert_never(
            &["64:ff9b::a00:5", "64:ff9b::808:808", "64:ff9b:1::1"],
            "NAT64",
        );
        assert_never(&["2002::1", "2002:c000:0204::1"], "6to4");
        assert_never(&["2001::1", "2001:0:4136:e378::1"], "Teredo");
        assert_never(&["2001:db8::1"], "documentation");
        assert_never(&["2001:2::1"], "benchmarking");
        assert_never(&["100::1"], "discard");
    }

    #[test]
    fn ipv4_in_ipv6_is_judged_as_its_ipv4() {
        assert_private(&["::ffff:127.0.0.1", "::127.0.0.1"], "loopback");
        assert_private(
            &["::ffff:10.0.0.5", "::10.0.0.5", "::ffff:192.168.1.1"],
            "private",
        );
        assert_never(&["::ffff:224.0.0.1", "::224.0.0.1"], "multicast");
        assert_never(&["::ffff:0.0.0.0", "::0.0.0.2"], "this network");
        assert_never(&["::ffff:255.255.255.255"], "broadcast");
        assert_eq!(class("::ffff:8.8.8.8"), AddressClass::Public);
        assert_eq!(class("::8.8.8.8"), AddressClass::Public);
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.0.1",
            "172.32.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "2001:4860:4860::8888",
        ] {
            assert_eq!(class(ip), AddressClass::Public, "{ip}");
        }
    }

    #[test]
    fn allow_private_network_opens_private_ranges_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(check("127.0.0.1", ip("127.0.0.1"), true).is_ok());
        assert!(check("fd00::1", ip("fd00::1"), true).is_ok());
        for never in [
            "224.0.0.1",
            "240.0.0.1",
            "198.18.0.1",
            "0.0.0.0",
            "ff02::1",
            "2002::1",
        ] {
            assert!(
                matches!(check(never, ip(never), true), Err(UrlRefused::Never { .. })),
                "{never}"
            );
        }
        let err = check("10.0.0.5", ip("10.0.0.5"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "10.0.0.5 is a private network address; allow_private_network is off"
        );
        let err = check("bridge.lan", ip("10.0.0.5"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bridge.lan resolves to 10.0.0.5, a private network address; allow_private_network is off"
        );
        assert!(err.is_permanent());
        assert!(!UrlRefused::Unresolved("x".into()).is_permanent());
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed_and_only_http_is_taken() {
        let err = clear("http://127.0.0.1:9/x", false).await.unwrap_err();
        assert!(matches!(err, UrlRefused::Private { .. }), "{err}");
        assert!(clear("http://127.0.0.1:9/x", true).await.is_ok());
        assert!(matches!(
            clear("http://[::ffff:224.0.0.1]:9/x", true)
                .await
                .unwrap_err(),
            UrlRefused::Never { .. }
        ));
        assert!(matches!(
            clear("http://[64:ff9b::7f00:1]/x", true).await.unwrap_err(),
            UrlRefused::Never { .. }
        ));
        assert!(matches!(
            clear("file:///etc/passwd", true).await.unwrap_err(),
            UrlRefused::Scheme(_)
        ));
        assert!(matches!(
            clear("ftp://example.com/x", true).await.unwrap_err(),
            UrlRefused::Scheme(_)
        ));
        assert!(matches!(
            clear("not a url", true).await.unwrap_err(),
            UrlRefused::Invalid(_)
        ));
    }
}
