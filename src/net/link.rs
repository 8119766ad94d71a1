//! A persistent link: one connection reused by every query, reopened on next use after a drop,
//! on the next live host of the profile when it has several (failover).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::Mutex;

use super::client::{Client, ServerInfo};
use super::connect::{connect_any, ordered};
use super::cursor::Cursor;
use super::error::{Error, Kind};
use crate::config::{Address, Profile};
use crate::protocol::{GlobalOptargs, db_optarg};

/// Where a link is connected: the address dialled and, once known, the server's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub address: Address,
    /// The server's name (`server_status.name`); `None` until asked ([`Link::identify`]) or
    /// on a proxy.
    pub server: Option<String>,
}

impl std::fmt::Display for Endpoint {
    /// `s2 (127.0.0.1:28016)`, or the address alone while the name is unknown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.server {
            Some(name) => write!(f, "{name} ({})", self.address),
            None => write!(f, "{}", self.address),
        }
    }
}

/// The hosts a link may use and the one it is on.
#[derive(Debug, Default)]
struct Place {
    /// The profile's hosts in its `host_order`, then the servers `discover` found.
    candidates: Vec<Address>,
    /// Index in `candidates` of the host of the current (or last) connection.
    current: Option<usize>,
    endpoint: Option<Endpoint>,
}

impl Place {
    /// The candidates to try: those after the current host first (the next live host after
    /// a failure), the current one last.
    fn order(&self) -> Vec<Address> {
        let n = self.candidates.len();
        let start = self.current.map_or(0, |c| c + 1);
        (0..n)
            .map(|i| (start + i) % n.max(1))
            .filter_map(|i| self.candidates.get(i).cloned())
            .collect()
    }
}

#[derive(Debug)]
struct Inner {
    profile: Profile,
    client: Mutex<Option<Client>>,
    place: std::sync::Mutex<Place>,
}

/// How long discovery waits for `server_status` before going on without it.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The profile plus its current connection; clone it freely (clones share the connection).
///
/// A query that was in flight when the connection dropped fails with `Interrupted` and is never
/// replayed; the next query opens a new connection, trying first the hosts after the one that
/// went away. With `discover`, each new connection adds the cluster's other servers (their
/// driver addresses in `rethinkdb.server_status`) to the hosts.
#[derive(Clone, Debug)]
pub struct Link {
    inner: Arc<Inner>,
}

impl Link {
    /// A link that connects on first use.
    pub fn new(profile: Profile) -> Link {
        Link {
            inner: Arc::new(Inner {
                place: std::sync::Mutex::new(Place {
                    candidates: ordered(&profile),
                    ..Place::default()
                }),
                profile,
                client: Mutex::new(None),
            }),
        }
    }

    /// A link connected now, so that connection and auth errors show up at once.
    pub async fn connect(profile: Profile) -> Result<Link, Error> {
        let link = Link::new(profile);
        link.client().await?;
        Ok(link)
    }

    /// The profile this link connects with.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// The live client, connecting (again) when there is none or the last one closed.
    ///
    /// Spawns the connection task on the current tokio runtime.
    pub async fn client(&self) -> Result<Client, Error> {
        let mut slot = self.inner.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        *slot = None;
        let (order, previous) = self.with_place(|p| (p.order(), p.current));
        let (client, connection, i) = connect_any(&self.inner.profile, &order).await?;
        tokio::spawn(connection);
        let address = order.get(i).cloned().unwrap_or_else(|| {
            Address::new(self.inner.profile.host.clone(), self.inner.profile.port)
        });
        self.with_place(|p| {
            p.current = p.candidates.iter().position(|c| *c == address).or(previous);
            p.endpoint = Some(Endpoint {
                address,
                server: None,
            });
        });
        if self.inner.profile.discover {
            self.discover(&client).await;
        }
        *slot = Some(client.clone());
        Ok(client)
    }

    fn with_place<T>(&self, f: impl FnOnce(&mut Place) -> T) -> T {
        // A panic while holding the lock cannot leave a Place half-written: keep using it.
        let mut place = match self.inner.place.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut place)
    }

    /// Adds the driver addresses of the cluster's servers to the candidates and learns the
    /// name of the server this connection is on. Failures (a user who may not read the
    /// system tables, a slow server) leave the hosts as they are.
    async fn discover(&self, client: &Client) {
        let term = serde_json::json!([15, [[14, ["rethinkdb"]], "server_status"]]);
        let read = async {
            let info = client.server_info().await.ok();
            let mut cursor = client.run_value(&term, &GlobalOptargs::new()).ok()?;
            let rows = cursor.collect_rows().await.ok()?;
            Some((info, rows))
        };
        let Ok(Some((info, rows))) = tokio::time::timeout(DISCOVERY_TIMEOUT, read).await else {
            return;
        };
        self.with_place(|p| {
            for row in &rows {
                let Ok(value) = serde_json::from_str::<Value>(row.get()) else {
                    continue;
                };
                for (host, port) in driver_addresses(&value) {
                    let address = Address::new(host, port);
                    if !p.candidates.contains(&address) {
                        p.candidates.push(address);
                    }
                }
            }
            if let Some(endpoint) = p.endpoint.as_mut() {
                endpoint.server = info.and_then(|i| i.name);
            }
        });
    }

    /// Where the link is (or was last) connected; `None` before the first connection.
    pub fn endpoint(&self) -> Option<Endpoint> {
        self.with_place(|p| p.endpoint.clone())
    }

    /// [`Link::endpoint`] with the server's name, asked with SERVER_INFO when not yet known.
    /// Connects if needed.
    pub async fn identify(&self) -> Result<Endpoint, Error> {
        let client = self.client().await?;
        if let Some(endpoint) = self.endpoint().filter(|e| e.server.is_some()) {
            return Ok(endpoint);
        }
        let name = client.server_info().await?.name;
        let address = Address::new(client.info().host.clone(), client.info().port);
        self.with_place(|p| {
            let endpoint = p.endpoint.get_or_insert_with(|| Endpoint {
                address: address.clone(),
                server: None,
            });
            if endpoint.address == address {
                endpoint.server = name;
            }
            Ok(endpoint.clone())
        })
    }

    /// Every host the link may connect to: the profile's, then those `discover` found.
    pub fn candidates(&self) -> Vec<Address> {
        self.with_place(|p| p.candidates.clone())
    }

    /// The current client if connected, without connecting.
    pub async fn current(&self) -> Option<Client> {
        self.inner
            .client
            .lock()
            .await
            .as_ref()
            .filter(|c| !c.is_closed())
            .cloned()
    }

    /// Runs a term; adds the profile's `db` unless the optargs name one. A query the
    /// connection closed under before it was sent goes to the next connection.
    pub async fn run(
        &self,
        term: &RawValue,
        global_optargs: &GlobalOptargs,
    ) -> Result<Cursor, Error> {
        let mut with_db = None;
        if !global_optargs.contains_key("db") {
            let mut optargs = global_optargs.clone();
            optargs.insert("db".into(), db_optarg(&self.inner.profile.db));
            with_db = Some(optargs);
        }
        let optargs = with_db.as_ref().unwrap_or(global_optargs);
        let client = self.client().await?;
        match client.run(term, optargs) {
            // The connection closed between the check and the send: the query was never
            // sent, so it goes to the next connection (the next live host) instead.
            Err(e) if e.kind() == Kind::Closed => self.client().await?.run(term, optargs),
            other => other,
        }
    }

    /// [`Link::run`] for a term held as a `serde_json::Value`.
    pub async fn run_value(
        &self,
        term: &Value,
        global_optargs: &GlobalOptargs,
    ) -> Result<Cursor, Error> {
        let raw = serde_json::value::to_raw_value(term)
            .map_err(|e| Error::protocol(format!("query not sent: {e}")))?;
        self.run(&raw, global_optargs).await
    }

    /// SERVER_INFO on the link's connection.
    pub async fn server_info(&self) -> Result<ServerInfo, Error> {
        self.client().await?.server_info().await
    }

    /// NOREPLY_WAIT on the link's connection.
    pub async fn noreply_wait(&self) -> Result<(), Error> {
        self.client().await?.noreply_wait().await
    }
}

/// The driver addresses a `server_status` row advertises: each canonical address's host with
/// `network.reql_port`, what drivers' discovery connects to (as rethinkdbdash does).
pub fn driver_addresses(row: &Value) -> Vec<(String, u16)> {
    let port = row
        .pointer("/network/reql_port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok());
    let Some(port) = port else {
        return Vec::new();
    };
    let hosts = row
        .pointer("/network/canonical_addresses")
        .and_then(Value::as_array);
    let mut out: Vec<(String, u16)> = Vec::new();
    for host in hosts.into_iter().flatten() {
        if let Some(host) = host.get("host").and_then(Value::as_str)
            && !out.iter().any(|(h, _)| h == host)
        {
            out.push((host.to_owned(), port));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(n: usize, current: Option<usize>) -> Place {
        Place {
            candidates: (0..n).map(|i| Address::new(format!("h{i}"), 1)).collect(),
            current,
            endpoint: None,
        }
    }

    fn hosts(p: &Place) -> Vec<String> {
        p.order().iter().map(|a| a.host.clone()).collect()
    }

    #[test]
    fn failover_tries_the_hosts_after_the_current_one_first() {
        assert_eq!(hosts(&place(3, None)), ["h0", "h1", "h2"]);
        assert_eq!(hosts(&place(3, Some(0))), ["h1", "h2", "h0"]);
        assert_eq!(hosts(&place(3, Some(2))), ["h0", "h1", "h2"]);
        assert_eq!(hosts(&place(1, Some(0))), ["h0"]);
        assert!(hosts(&place(0, None)).is_empty());
    }

    #[test]
    fn driver_addresses_pair_canonical_hosts_with_the_driver_port() {
        let row = serde_json::json!({"network": {
            "canonical_addresses": [{"host": "10.0.0.2", "port": 29015}, {"host": "::1", "port": 29015}, {"host": "10.0.0.2", "port": 1}],
            "reql_port": 28016}});
        assert_eq!(
            driver_addresses(&row),
            [("10.0.0.2".to_owned(), 28016), ("::1".to_owned(), 28016)]
        );
        assert!(driver_addresses(&serde_json::json!({"network": {}})).is_empty());
    }
}
