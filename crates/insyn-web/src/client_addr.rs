//! The client's address behind a reverse proxy.
//!
//! The portal and the request form limit requests per client address. Behind a reverse proxy
//! (nginx, a load balancer) every request comes from the proxy, so all of the public would share
//! one bucket. When the operator names the proxies (`[web] trusted_proxies`), a request whose
//! peer is one of them is credited to the address the proxy reports in `X-Forwarded-For`: the
//! right-most address that is not itself a trusted proxy (addresses further left are whatever
//! the client chose to send and cannot be trusted). A request from any other peer keeps its
//! peer address, whatever headers it carries, so nobody can pick their own bucket.
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// An address or a network (`10.0.0.0/8`, `::1`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `ADDR` or `ADDR/PREFIX`; the error says what is wrong.
    pub fn parse(s: &str) -> Result<Network, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or network (e.g. 10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
        };
        Ok(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.addr), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as a dual-stack socket reports them) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Parses the configured list; the error names the entry.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| Network::parse(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a request from `peer` with these `X-Forwarded-For` values.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.trusts(ip) => continue,
                Some(ip) => return canonical(ip),
                // garbage in the chain: the proxy next to it is the last address we can vouch for
                None => return canonical(peer),
            }
        }
        // every hop is a trusted proxy (or there was no header): the peer is the client
        canonical(peer)
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    hop.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// Middleware: replaces the peer address (`ConnectInfo`) the handlers see with the client's.
pub async fn forwarded_client(
    axum::extract::State(proxies): axum::extract::State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let values: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = proxies.client(peer.ip(), &values);
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.3.4")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(Network::parse("::1").unwrap().contains(ip("::1")));
        assert!(!Network::parse("::1").unwrap().contains(ip("127.0.0.1")));
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("192.0.2.1"))
        );
        assert!(Network::parse("fd00::/8").unwrap().contains(ip("fd12::9")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "kommun.se",
            "10.0.0.0/x",
            "1.2.3",
        ] {
            let err = Network::parse(bad).unwrap_err();
            assert!(err.contains('\''), "{bad}: {err}");
        }
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let proxies = TrustedProxies::parse(&["127.0.0.1", "10.0.0.0/8"]).unwrap();
        // a client talking directly cannot choose its address
        assert_eq!(
            proxies.client(ip("198.51.100.7"), &["203.0.113.9"]),
            ip("198.51.100.7")
        );
        // through the proxy: the address the proxy saw
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["203.0.113.9"]),
            ip("203.0.113.9")
        );
        // a client that sends its own header through the proxy gets the proxy's entry, not its own
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["1.1.1.1, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // two proxies in a row
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["203.0.113.9", "10.1.1.1"]),
            ip("203.0.113.9")
        );
        // ports and IPv6
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["[2001:db8::5]:4711"]),
            ip("2001:db8::5")
        );
        // garbage or no header: the peer
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["unknown"]),
            ip("127.0.0.1")
        );
        assert_eq!(proxies.client(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        // nothing trusted: the peer, always
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("127.0.0.1"), &["203.0.113.9"]),
            ip("127.0.0.1")
        );
    }

    proptest! {
        #[test]
        fn any_header_never_panics_and_an_untrusted_peer_wins(header in ".{0,200}", a in any::<[u8; 4]>()) {
            let proxies = TrustedProxies::parse(&["127.0.0.0/8"]).unwrap();
            let peer = IpAddr::from([198, a[1], a[2], a[3]]);
            prop_assert_eq!(proxies.client(peer, &[header.as_str()]), peer);
            let _ = proxies.client(ip("127.0.0.1"), &[header.as_str()]);
        }
    }
}
