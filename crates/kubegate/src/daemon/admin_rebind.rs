//! The admin endpoint across reloads. A changed `admin:` section opens the new endpoint
//! first and closes the old one after (a second later, so the answer to a reload asked
//! through it is written); when the new one cannot listen, or its token file cannot be read,
//! the old one stays and the reload says so. The same address with another token file
//! cannot be listened on twice: the old endpoint closes after the reload's answer and the
//! new one opens on the same address.

use std::net::SocketAddr;
use std::time::Duration;

use kubegate_config::model::Admin;

use super::admin::{self, DaemonApi};
use super::binds::Binds;
use crate::admin::auth::Token;
use crate::admin::server::AdminServer;

/// How long a replaced endpoint keeps serving what it already accepted.
const OLD_ENDPOINT_GRACE: Duration = Duration::from_secs(1);

/// The running endpoint and what a new one needs.
pub struct Endpoint {
    pub server: Option<AdminServer>,
    api: DaemonApi,
    binds: Binds,
    /// Asked on this address (before `binds` maps it).
    bind: Option<SocketAddr>,
}

/// What is left to do once the reload's answer is sent.
pub enum After {
    Nothing,
    /// Close this endpoint (it was replaced).
    Close(AdminServer),
    /// Close the running endpoint, then open this one on the same address.
    Reopen(SocketAddr, Option<Token>),
}

impl Endpoint {
    pub fn new(
        server: Option<AdminServer>,
        api: DaemonApi,
        binds: Binds,
        bind: Option<SocketAddr>,
    ) -> Self {
        Endpoint {
            server,
            api,
            binds,
            bind,
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(AdminServer::local_addr)
    }

    /// Applies a changed admin section: the summary's line, and what to do after the answer.
    pub fn change(&mut self, admin: &Admin) -> (String, After) {
        let token = match &admin.token_file {
            Some(path) => match Token::load(path) {
                Ok(t) => Some(t),
                Err(e) => {
                    return (
                        format!("admin: not changed, the running endpoint is kept: {e:#}"),
                        After::Nothing,
                    )
                }
            },
            None => None,
        };
        let Some(bind) = admin.bind else {
            self.bind = None;
            return match self.server.take() {
                Some(old) => (
                    "admin: endpoint closed (bind: off)".into(),
                    After::Close(old),
                ),
                None => ("admin: off".into(), After::Nothing),
            };
        };
        let address = self.binds.address(bind);
        if self.bind == Some(bind) && self.server.is_some() {
            return (
                format!("admin: token file changed; the endpoint on {address} reopens after this answer"),
                After::Reopen(address, token),
            );
        }
        match admin::start(address, token, self.api.clone()) {
            Ok(new) => {
                let line = format!("admin: endpoint moved to {}", new.local_addr());
                self.bind = Some(bind);
                match self.server.replace(new) {
                    Some(old) => (line, After::Close(old)),
                    None => (line, After::Nothing),
                }
            }
            Err(e) => (
                format!(
                    "admin: {e}; {}",
                    match self.local_addr() {
                        Some(a) => format!("the endpoint on {a} is kept"),
                        None => "there is no endpoint".to_string(),
                    }
                ),
                After::Nothing,
            ),
        }
    }

    /// Carries out what `change` left for after the reload's answer.
    pub fn after(&mut self, after: After) -> Option<String> {
        match after {
            After::Nothing => None,
            After::Close(old) => {
                let _ = std::thread::Builder::new()
                    .name("admin-close".into())
                    .spawn(move || {
                        std::thread::sleep(OLD_ENDPOINT_GRACE);
                        drop(old);
                    });
                None
            }
            After::Reopen(address, token) => {
                if let Some(old) = self.server.take() {
                    // Let the answer on it be written first.
                    std::thread::sleep(Duration::from_millis(200));
                    drop(old);
                }
                match admin::start(address, token, self.api.clone()) {
                    Ok(new) => {
                        self.server = Some(new);
                        None
                    }
                    Err(e) => Some(e),
                }
            }
        }
    }
}
