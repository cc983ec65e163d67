//! Server-side requests (attachment fetches, outbound delivery) go only to http/https URLs on
//! public addresses, unless the channel allows private networks (a bridge on the same host,
//! tests). The address is checked after DNS resolution and then pinned for the request, so a
//! name cannot resolve to a public address for the check and a private one for the request.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlRefused {
    #[error("{0} is not an http:// or https:// URL")]
    Scheme(String),
    #[error("{0} is not a valid URL")]
    Invalid(String),
    #[error(
        "{host} resolves to {addr}, a loopback or private address, which this channel may not reach"
    )]
    Private { host: String, addr: IpAddr },
    #[error("{0} could not be resolved")]
    Unresolved(String),
}

/// Loopback, private, link-local, unique-local, unspecified, broadcast, documentation and
/// shared (CGNAT) ranges.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// A URL cleared for a request, with the address to connect to.
#[derive(Debug, Clone)]
pub struct Cleared {
    pub url: Url,
    pub host: String,
    pub addr: SocketAddr,
}

/// Parses, resolves and checks a URL.
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
    if !allow_private && let Some(bad) = addrs.iter().find(|a| is_private(a.ip())) {
        return Err(UrlRefused::Private {
            host,
            addr: bad.ip(),
        });
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

    #[test]
    fn private_ranges_are_recognized() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.5.5",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed_and_only_http_is_taken() {
        let err = clear("http://127.0.0.1:9/x", false).await.unwrap_err();
        assert!(matches!(err, UrlRefused::Private { .. }), "{err}");
        assert!(clear("http://127.0.0.1:9/x", true).await.is_ok());
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
