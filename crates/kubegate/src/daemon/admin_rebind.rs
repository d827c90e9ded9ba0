//! The admin endpoint across reloads. A changed `admin:` section opens the new endpoint
//! first and closes the old one after (a second later, so the answer to a reload asked
//! through it is written); when the new one cannot listen, or its token file cannot be read,
//! the old one stays and the reload says so. The same address with another token file
//! cannot be listened on twice: the old endpoint closes after the reload's answer and the
//! new one opens on the same address.

use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// The token file the running endpoint was given.
    token_file: Option<PathBuf>,
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
        token_file: Option<PathBuf>,
    ) -> Self {
        Endpoint {
            server,
            api,
            binds,
            token_file,
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(AdminServer::local_addr)
    }

    /// Whether the running endpoint is what `admin` asks for. It may not be although the
    /// file's `admin:` section did not change: an earlier reload kept the old endpoint (a
    /// token file that could not be read or was open to others, an address that could not
    /// be listened on), and the next reload must try again.
    pub fn runs(&self, admin: &Admin) -> bool {
        let listening = match (admin.bind, self.local_addr()) {
            (None, None) => true,
            (Some(bind), Some(running)) => self.binds.same(running, bind),
            _ => false,
        };
        listening && admin.token_file == self.token_file
    }

    /// Applies a changed admin section: the summary's line (none when nothing changes where
    /// it listens), and what to do after the answer.
    pub fn change(&mut self, admin: &Admin) -> (Option<String>, After) {
        let token = match &admin.token_file {
            Some(path) => match Token::load(path) {
                Ok(t) => Some(t),
                Err(e) => {
                    let line = format!("admin: not changed, the running endpoint is kept: {e:#}");
                    return (Some(line), After::Nothing);
                }
            },
            None => None,
        };
        let token_changed = admin.token_file != self.token_file;
        let Some(bind) = admin.bind else {
            self.token_file = None;
            return match self.server.take() {
                Some(old) => (
                    Some("admin: endpoint closed (bind: off)".into()),
                    After::Close(old),
                ),
                None => (None, After::Nothing),
            };
        };
        let address = self.binds.address(bind);
        let running = self.local_addr();
        if running.is_some_and(|r| self.binds.same(r, bind)) {
            if !token_changed {
                return (None, After::Nothing);
            }
            self.token_file = admin.token_file.clone();
            let line = format!(
                "admin: token file changed; the endpoint on {} reopens after this answer",
                running.unwrap_or(address)
            );
            return (Some(line), After::Reopen(running.unwrap_or(address), token));
        }
        match admin::start(address, token, self.api.clone()) {
            Ok(new) => {
                let line = format!("admin: endpoint moved to {}", new.local_addr());
                self.token_file = admin.token_file.clone();
                match self.server.replace(new) {
                    Some(old) => (Some(line), After::Close(old)),
                    None => (Some(line), After::Nothing),
                }
            }
            Err(e) => {
                let kept = match running {
                    Some(a) => format!("the endpoint on {a} is kept"),
                    None => "there is no endpoint".to_string(),
                };
                (Some(format!("admin: {e}; {kept}")), After::Nothing)
            }
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
