//! Where the daemon listens: the file's addresses, or the same addresses on ports the kernel
//! picks (so a test never guesses a free port; it reads the real ones from the status).

use std::borrow::Cow;
use std::net::SocketAddr;

use kubegate_config::model::Frontend;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Binds {
    /// `kubegate run`: exactly the addresses of the file.
    #[default]
    AsConfigured,
    /// The file's addresses with port 0: each listener gets a free port (read back from the
    /// [`super::StatusHandle`]). A reload keeps a frontend on its port when its address is
    /// unchanged.
    AnyPort,
}

impl Binds {
    /// The address to bind for the file's `bind`.
    pub fn address(self, bind: SocketAddr) -> SocketAddr {
        match self {
            Binds::AsConfigured => bind,
            Binds::AnyPort => SocketAddr::new(bind.ip(), 0),
        }
    }

    /// The frontend as it is to be bound.
    pub fn frontend(self, f: &Frontend) -> Cow<'_, Frontend> {
        match self {
            Binds::AsConfigured => Cow::Borrowed(f),
            Binds::AnyPort => Cow::Owned(Frontend {
                bind: self.address(f.bind),
                ..f.clone()
            }),
        }
    }

    /// Does a frontend running on `running` still serve the file's `bind`?
    pub fn same(self, running: SocketAddr, bind: SocketAddr) -> bool {
        match self {
            Binds::AsConfigured => running == bind,
            Binds::AnyPort => running.ip() == bind.ip(),
        }
    }
}
