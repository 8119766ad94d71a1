//! A persistent link: one connection reused by every query, reopened on next use after a drop.

use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::Mutex;

use super::client::{Client, ServerInfo};
use super::connect::connect;
use super::cursor::Cursor;
use super::error::Error;
use crate::config::Profile;
use crate::protocol::{GlobalOptargs, db_optarg};

struct Inner {
    profile: Profile,
    client: Mutex<Option<Client>>,
}

/// The profile plus its current connection; clone it freely (clones share the connection).
///
/// A query that was in flight when the connection dropped fails with `Interrupted` and is never
/// replayed; the next query opens a new connection.
#[derive(Clone)]
pub struct Link {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("profile", &self.inner.profile)
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link that connects on first use.
    pub fn new(profile: Profile) -> Link {
        Link {
            inner: Arc::new(Inner {
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
        let (client, connection) = connect(&self.inner.profile).await?;
        tokio::spawn(connection);
        *slot = Some(client.clone());
        Ok(client)
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

    /// Runs a term; adds the profile's `db` unless the optargs name one.
    pub async fn run(
        &self,
        term: &RawValue,
        global_optargs: &GlobalOptargs,
    ) -> Result<Cursor, Error> {
        let client = self.client().await?;
        if global_optargs.contains_key("db") {
            return client.run(term, global_optargs);
        }
        let mut optargs = global_optargs.clone();
        optargs.insert("db".into(), db_optarg(&self.inner.profile.db));
        client.run(term, &optargs)
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
