//! Real BFD peers for the BFD driver's tests: FRR's `bfdd` and BIRD 2's `protocol bfd`, each
//! run in a lab namespace with its own files and control socket, asked for its sessions
//! (`vtysh -d bfdd … show bfd peers json`, `birdc -s … show bfd sessions`), killed and
//! restarted on demand, and stopped with its files removed on drop.
//!
//! bfdd runs without zebra: a session to a configured peer address with a local address
//! needs no interface facts, as in `crates/bfd/tests/vectors/capture-peers.sh`.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::{run, unique_tag};
use super::{Netns, NetnsChild};

/// The message a test fails with when FRR's bfdd is missing.
pub const NEED_BFDD: &str =
    "FRR's bfdd is not in /usr/lib/frr: install frr (scripts/test.sh does it)";
/// The message a test fails with when BIRD 2 is missing.
pub const NEED_BIRD: &str = "BIRD 2 (bird, birdc) is not installed: install bird2 \
                             (scripts/test.sh does it)";

const BFDD: &str = "/usr/lib/frr/bfdd";
const BIRD: &str = "/usr/sbin/bird";
const BIRDC: &str = "/usr/sbin/birdc";
/// BIRD's name for the BFD protocol instance.
const BIRD_PROTOCOL: &str = "kgbfd";
/// How long a daemon may take to answer on its control socket after starting.
const START_WAIT: Duration = Duration::from_secs(5);

/// Which implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    Frr,
    Bird,
}

/// BIRD's authentication forms (`authentication …` in `protocol bfd`); FRR 8.4's bfdd has
/// no authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerAuthKind {
    Simple,
    KeyedMd5,
    MeticulousKeyedMd5,
    KeyedSha1,
    MeticulousKeyedSha1,
}

impl PeerAuthKind {
    fn bird_name(self) -> &'static str {
        match self {
            PeerAuthKind::Simple => "simple",
            PeerAuthKind::KeyedMd5 => "keyed md5",
            PeerAuthKind::MeticulousKeyedMd5 => "meticulous keyed md5",
            PeerAuthKind::KeyedSha1 => "keyed sha1",
            PeerAuthKind::MeticulousKeyedSha1 => "meticulous keyed sha1",
        }
    }
}

/// One peer daemon's configuration: a single session to `neighbor`.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    pub kind: PeerKind,
    /// The daemon's own address.
    pub local: IpAddr,
    /// The address of the system under test.
    pub neighbor: IpAddr,
    /// The daemon's interface towards `neighbor` (BIRD wants it).
    pub interface: String,
    pub interval: Duration,
    pub multiplier: u8,
    /// RFC 5883 multihop (UDP 4784) instead of RFC 5881 single hop.
    pub multihop: bool,
    /// BIRD only: the form, key id and password.
    pub auth: Option<(PeerAuthKind, u8, String)>,
}

/// One session as the daemon shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSession {
    pub peer: IpAddr,
    /// Lower case: `up`, `down`, `init`, and `admindown` (BIRD) / `shutdown` (FRR) for a
    /// session the daemon itself holds down.
    pub state: String,
    /// FRR only: the diagnostic the peer (we) last sent, as FRR words it
    /// (`administratively down`, `control detection time expired`, `ok` …).
    pub remote_diagnostic: Option<String>,
}

/// A running peer daemon in a namespace.
pub struct PeerDaemon {
    pub config: PeerConfig,
    netns: String,
    dir: PathBuf,
    child: Option<NetnsChild>,
}

fn in_netns(netns: &str, program: &str) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", netns, program]);
    cmd
}

fn bfdd_config(c: &PeerConfig) -> String {
    let mut s = String::new();
    let ms = c.interval.as_millis();
    let _ = writeln!(s, "bfd");
    let multihop = if c.multihop { " multihop" } else { "" };
    let _ = writeln!(
        s,
        " peer {}{multihop} local-address {}",
        c.neighbor, c.local
    );
    let _ = writeln!(s, "  receive-interval {ms}");
    let _ = writeln!(s, "  transmit-interval {ms}");
    let _ = writeln!(s, "  detect-multiplier {}", c.multiplier);
    let _ = writeln!(s, " !");
    let _ = writeln!(s, "!");
    s
}

fn bird_config(c: &PeerConfig) -> String {
    let mut s = String::new();
    let router_id = match c.local {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(_) => "198.18.0.1".to_string(),
    };
    let _ = writeln!(s, "router id {router_id};");
    let _ = writeln!(s, "protocol device {{}}");
    let _ = writeln!(s, "protocol bfd {BIRD_PROTOCOL} {{");
    // Single-hop sessions take their options from the interface, multihop ones from the
    // `multihop` block.
    if c.multihop {
        let _ = writeln!(s, "  multihop {{");
    } else {
        let _ = writeln!(s, "  interface \"{}\" {{", c.interface);
    }
    let _ = writeln!(s, "    interval {} ms;", c.interval.as_millis());
    let _ = writeln!(s, "    multiplier {};", c.multiplier);
    if let Some((kind, id, password)) = &c.auth {
        let _ = writeln!(s, "    authentication {};", kind.bird_name());
        let _ = writeln!(s, "    password \"{password}\" {{ id {id}; }};");
    }
    let _ = writeln!(s, "  }};");
    if c.multihop {
        let _ = writeln!(s, "  neighbor {} local {} multihop;", c.neighbor, c.local);
    } else {
        let _ = writeln!(s, "  neighbor {} dev \"{}\";", c.neighbor, c.interface);
    }
    let _ = writeln!(s, "}}");
    s
}

/// Fails with a message saying what is missing unless the daemon for `kind` is installed.
pub fn require(kind: PeerKind) -> io::Result<()> {
    let (paths, message): (&[&str], _) = match kind {
        PeerKind::Frr => (&[BFDD, "/usr/bin/vtysh"], NEED_BFDD),
        PeerKind::Bird => (&[BIRD, BIRDC], NEED_BIRD),
    };
    if paths.iter().all(|p| std::path::Path::new(p).exists()) {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::NotFound, message))
    }
}

impl PeerDaemon {
    /// Writes the daemon's files and starts it in `netns`; returns once it answers on its
    /// control socket.
    pub fn start(netns: &Netns, config: PeerConfig) -> io::Result<PeerDaemon> {
        require(config.kind)?;
        if config.auth.is_some() && config.kind == PeerKind::Frr {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "FRR 8.4's bfdd has no BFD authentication",
            ));
        }
        let dir = std::env::temp_dir().join(format!("{}-bfdpeer", unique_tag()));
        fs::create_dir_all(&dir)?;
        let mut daemon = PeerDaemon {
            config,
            netns: netns.name().to_owned(),
            dir,
            child: None,
        };
        match daemon.config.kind {
            PeerKind::Frr => {
                fs::write(daemon.path("bfdd.conf"), bfdd_config(&daemon.config))?;
                // bfdd drops to the frr user and creates its pid file and sockets here.
                run(Command::new("chmod").args(["1777", &daemon.path("")]))?;
            }
            PeerKind::Bird => fs::write(daemon.path("bird.conf"), bird_config(&daemon.config))?,
        }
        daemon.restart()?;
        Ok(daemon)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// The daemon's log (its standard output and error).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// Starts the daemon again (after [`kill`](Self::kill)), with the same configuration.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill()?;
        for stale in ["bfdd.pid", "bfdd.vty", "bfdd.sock", "bird.ctl", "bird.pid"] {
            let _ = fs::remove_file(self.dir.join(stale));
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("daemon.log"))?;
        let mut cmd = match self.config.kind {
            PeerKind::Frr => {
                let mut cmd = in_netns(&self.netns, BFDD);
                cmd.args(["-u", "frr", "-g", "frr", "-P", "0", "--log", "stdout"])
                    .args(["-f", &self.path("bfdd.conf"), "-i", &self.path("bfdd.pid")])
                    .args([
                        "--vty_socket",
                        &self.path(""),
                        "-z",
                        &self.path("zserv.api"),
                    ])
                    .args(["--bfdctl", &self.path("bfdd.sock")]);
                cmd
            }
            PeerKind::Bird => {
                let mut cmd = in_netns(&self.netns, BIRD);
                cmd.args(["-f", "-c", &self.path("bird.conf")]).args([
                    "-s",
                    &self.path("bird.ctl"),
                    "-P",
                    &self.path("bird.pid"),
                ]);
                cmd
            }
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(NetnsChild::from_child(child));
        let until = Instant::now() + START_WAIT;
        loop {
            if self.sessions().is_ok() {
                return Ok(());
            }
            if let Some(Some(status)) = self.child.as_mut().map(|c| c.try_wait()).transpose()? {
                return Err(io::Error::other(format!(
                    "{:?} exited ({status}) at start: {}",
                    self.config.kind,
                    self.log()
                )));
            }
            if Instant::now() >= until {
                return Err(io::Error::other(format!(
                    "{:?} did not answer on its control socket within {START_WAIT:?}: {}",
                    self.config.kind,
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the daemon with SIGKILL (a crash: it sends nothing more) and reaps it.
    pub fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.signal("KILL")?;
            child.wait_timeout(Duration::from_secs(5))?;
        }
        Ok(())
    }

    /// The daemon's sessions, from its control socket.
    pub fn sessions(&self) -> io::Result<Vec<PeerSession>> {
        match self.config.kind {
            PeerKind::Frr => {
                let out = run(in_netns(&self.netns, "vtysh")
                    .args(["--vty_socket", &self.path(""), "-d", "bfdd"])
                    .args(["-c", "show bfd peers json"]))?;
                parse_frr_peers(&out)
            }
            PeerKind::Bird => {
                let out = run(in_netns(&self.netns, BIRDC)
                    .args(["-s", &self.path("bird.ctl")])
                    .args(["show", "bfd", "sessions"]))?;
                Ok(parse_bird_sessions(&out))
            }
        }
    }

    /// The daemon's session with `peer`, if it has one.
    pub fn session(&self, peer: IpAddr) -> io::Result<Option<PeerSession>> {
        Ok(self.sessions()?.into_iter().find(|s| s.peer == peer))
    }

    /// Waits until the session with `peer` satisfies `done`, polling every 20 ms; the last
    /// session seen on timeout is in the error.
    pub fn wait_for(
        &self,
        peer: IpAddr,
        timeout: Duration,
        done: impl Fn(&PeerSession) -> bool,
    ) -> io::Result<PeerSession> {
        let until = Instant::now() + timeout;
        loop {
            let session = self.session(peer)?;
            if let Some(s) = session.as_ref().filter(|s| done(s)) {
                return Ok(s.clone());
            }
            if Instant::now() >= until {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{:?}'s session with {peer} not as expected within {timeout:?}: {session:?}",
                        self.config.kind
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PeerDaemon {
    fn drop(&mut self) {
        let _ = self.kill();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Reads `show bfd peers json` (an array of objects with `peer`, `status`,
/// `remote-diagnostic`).
pub fn parse_frr_peers(json: &str) -> io::Result<Vec<PeerSession>> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bfdd's JSON: {e}")))?;
    let peers = value.as_array().cloned().unwrap_or_default();
    Ok(peers
        .iter()
        .filter_map(|p| {
            Some(PeerSession {
                peer: p.get("peer")?.as_str()?.parse().ok()?,
                state: p.get("status")?.as_str()?.to_lowercase(),
                remote_diagnostic: p
                    .get("remote-diagnostic")
                    .and_then(|d| d.as_str())
                    .map(str::to_owned),
            })
        })
        .collect())
}

/// Reads `show bfd sessions`: after a header line, `ADDRESS INTERFACE STATE SINCE …` rows.
pub fn parse_bird_sessions(text: &str) -> Vec<PeerSession> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let peer: IpAddr = fields.next()?.parse().ok()?;
            let _interface = fields.next()?;
            let state = fields.next()?.to_lowercase();
            Some(PeerSession {
                peer,
                state,
                remote_diagnostic: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: PeerKind) -> PeerConfig {
        PeerConfig {
            kind,
            local: "198.18.0.1".parse().unwrap(),
            neighbor: "198.18.0.11".parse().unwrap(),
            interface: "eth0".into(),
            interval: Duration::from_millis(300),
            multiplier: 3,
            multihop: false,
            auth: Some((PeerAuthKind::MeticulousKeyedSha1, 5, "kgsecret".into())),
        }
    }

    #[test]
    fn configs_name_the_session_and_its_timers() {
        let frr = PeerConfig {
            auth: None,
            ..config(PeerKind::Frr)
        };
        assert_eq!(
            bfdd_config(&frr),
            "bfd\n peer 198.18.0.11 local-address 198.18.0.1\n  receive-interval 300\n  \
             transmit-interval 300\n  detect-multiplier 3\n !\n!\n"
        );
        let bird = bird_config(&config(PeerKind::Bird));
        assert!(
            bird.contains("authentication meticulous keyed sha1;"),
            "{bird}"
        );
        assert!(bird.contains("password \"kgsecret\" { id 5; };"), "{bird}");
        assert!(
            bird.contains("neighbor 198.18.0.11 dev \"eth0\";"),
            "{bird}"
        );
    }

    #[test]
    fn reads_both_daemons_session_lists() {
        let frr = r#"[{"multihop":false,"peer":"198.18.0.11","status":"down",
            "diagnostic":"ok","remote-diagnostic":"administratively down"}]"#;
        assert_eq!(
            parse_frr_peers(frr).unwrap(),
            vec![PeerSession {
                peer: "198.18.0.11".parse().unwrap(),
                state: "down".into(),
                remote_diagnostic: Some("administratively down".into()),
            }]
        );
        assert!(parse_frr_peers("not json").is_err());
        let bird = "BIRD 2.0.12 ready.\nkgbfd:\nIP address                Interface  State      \
                    Since         Interval  Timeout\n198.18.0.11               eth0       Up  \
                    14:36:29.747    0.300    0.900\n";
        let sessions = parse_bird_sessions(bird);
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].state, "up");
    }
}
