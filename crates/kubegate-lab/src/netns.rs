//! Named network namespaces made with iproute2's `ip netns`, and the processes run in them.
//!
//! Every name is `TAG-role`, the tag being [`PREFIX`] and the creating process's id, so
//! namespaces left behind by a killed run can be told apart from live ones and removed by
//! [`remove_stale`].

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The prefix of every namespace the lab creates.
pub const PREFIX: &str = "kg";

/// Width of the base-36 process id in a tag (36^5 exceeds Linux's largest pid).
const PID_DIGITS: usize = 5;

fn base36(mut n: u32, width: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out).expect("ASCII digits")
}

/// A fresh tag for one lab: `kg`, the process id (5 base-36 digits) and a per-process counter
/// (2 digits) — 9 characters, unique among live processes on this machine.
pub fn unique_tag() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % (36 * 36);
    format!(
        "{PREFIX}{}{}",
        base36(std::process::id(), PID_DIGITS),
        base36(n, 2)
    )
}

/// Runs `cmd`, returning its standard output; a non-zero exit becomes an error that shows the
/// command and its standard error.
pub fn run(cmd: &mut Command) -> io::Result<String> {
    let out: Output = cmd.stdin(Stdio::null()).output().map_err(|e| {
        io::Error::new(e.kind(), format!("cannot run {:?}: {e}", cmd.get_program()))
    })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ip() -> Command {
    Command::new("ip")
}

/// A named network namespace, deleted (with every process still in it) on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates namespace `name`, which must start with [`PREFIX`]. Loopback is brought up.
    pub fn create(name: &str) -> io::Result<Self> {
        if !name.starts_with(PREFIX) || name.len() > 32 || name.contains('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("namespace name {name:?} must start with {PREFIX:?}"),
            ));
        }
        run(ip().args(["netns", "add", name]))?;
        let ns = Self {
            name: name.to_owned(),
        };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace (`ip netns exec NAME program`).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = ip();
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Runs `program args…` inside the namespace and returns its standard output.
    pub fn run(&self, program: &str, args: &[&str]) -> io::Result<String> {
        run(self.command(program).args(args))
    }

    /// Runs `ip -n NAME args…`.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        run(ip().args(["-n", &self.name]).args(args))
    }

    /// Sets a per-namespace sysctl such as `net.ipv4.conf.all.arp_accept`.
    /// Runs an nftables script (`nft -f -`) in this namespace.
    pub fn nft(&self, script: &str) -> io::Result<()> {
        use std::io::Write as _;
        const NEED_NFT: &str =
            "partitions, frame loss and such need nftables: apt-get install nftables";
        let mut child = self
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run nft ({NEED_NFT}): {e}")))?;
        let written = child
            .stdin
            .take()
            .expect("piped")
            .write_all(script.as_bytes());
        let out = child.wait_with_output()?;
        written?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "nft failed: {}\n{script}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        self.run("sysctl", &["-qw", &format!("{key}={value}")])
            .map(drop)
    }

    /// Starts a long-running process inside the namespace; it is killed when the guard drops.
    pub fn spawn(&self, program: &str, args: &[&str]) -> io::Result<NetnsChild> {
        let child = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .spawn()?;
        Ok(NetnsChild { child })
    }

    /// Runs `f` on a thread that has entered this namespace: sockets it opens live there.
    pub fn enter<T: Send>(&self, f: impl FnOnce() -> T + Send) -> io::Result<T> {
        enter_named(&self.name, f)
    }

    fn kill_processes(&self) {
        let pids = run(ip().args(["netns", "pids", &self.name])).unwrap_or_default();
        for pid in pids.split_whitespace().filter(|p| p.parse::<u32>().is_ok()) {
            let _ = run(Command::new("kill").args(["-KILL", pid]));
        }
    }
}

/// [`Netns::enter`] by the namespace's name, for a thread that holds no [`Netns`] (a
/// watcher beside the code that owns the lab).
pub fn enter_named<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> io::Result<T> {
    let file = File::open(format!("/run/netns/{name}"))?;
    std::thread::scope(|s| {
        s.spawn(|| {
            kubegate_sys::setns_net(file.as_fd())?;
            Ok(f())
        })
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Already gone: an interrupted lab's clean-up removed it from under its owner.
        if !std::path::Path::new("/run/netns").join(&self.name).exists() {
            return;
        }
        self.kill_processes();
        if let Err(e) = run(ip().args(["netns", "del", &self.name])) {
            eprintln!("lab: cannot delete network namespace {}: {e}", self.name);
        }
    }
}

/// A process running inside a namespace; killed and reaped on drop.
#[derive(Debug)]
pub struct NetnsChild {
    child: Child,
}

impl NetnsChild {
    /// Guard an already spawned process (for callers that set up its stdio themselves).
    pub fn from_child(child: Child) -> Self {
        NetnsChild { child }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the process catches signal `number` (its handler installed, as
    /// `/proc/PID/status` shows in `SigCgt`): before that, a signal such as SIGHUP would end
    /// it. False at the timeout, or when it has exited.
    pub fn wait_catching(&self, number: u32, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        let bit = 1u64 << (number - 1);
        loop {
            let caught = std::fs::read_to_string(format!("/proc/{}/status", self.id()))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("SigCgt:"))
                        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                });
            match caught {
                Some(mask) if mask & bit != 0 => return true,
                None => return false,
                Some(_) if Instant::now() >= until => return false,
                Some(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }

    /// Sends a signal by name (`TERM`, `KILL`, `HUP` …) with the `kill` command.
    pub fn signal(&self, name: &str) -> io::Result<()> {
        run(Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]))
            .map(drop)
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_timeout(
        &mut self,
        timeout: std::time::Duration,
    ) -> io::Result<Option<std::process::ExitStatus>> {
        let until = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if std::time::Instant::now() >= until {
                return Ok(None);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Whether the process has exited (and with what status).
    pub fn try_wait(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }
}

impl Drop for NetnsChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Names of the namespaces that currently exist (`ip netns list`).
pub fn list() -> io::Result<Vec<String>> {
    let out = run(ip().args(["netns", "list"]))?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

/// Linux's largest possible process id (`PID_MAX_LIMIT` on 64-bit).
const PID_MAX: u32 = 4_194_304;

/// The process id encoded in a lab namespace name (`TAG-role`), if it is one.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (tag, _role) = rest.split_once('-')?;
    if tag.len() != PID_DIGITS + 2
        || !tag
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return None;
    }
    u32::from_str_radix(&tag[..PID_DIGITS], 36)
        .ok()
        .filter(|&pid| pid <= PID_MAX)
}

/// Deletes lab namespaces whose creating process no longer runs; returns their names.
/// Namespaces without our prefix, or of live processes, are never touched.
pub fn remove_stale() -> io::Result<Vec<String>> {
    remove_where(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Deletes the lab namespaces process `pid` created (an interrupted lab cleaning up after
/// itself), killing every process in them; returns their names.
pub fn remove_owned_by(pid: u32) -> io::Result<Vec<String>> {
    remove_where(|owner| owner == pid)
}

/// The tag of a lab namespace name (`TAG-role`): what its lab's files are named by.
pub fn tag_of(name: &str) -> Option<&str> {
    owner_pid(name)?;
    name.split_once('-').map(|(tag, _)| tag)
}

fn remove_where(remove: impl Fn(u32) -> bool) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    for name in list()? {
        let Some(pid) = owner_pid(&name) else {
            continue;
        };
        if !remove(pid) {
            continue;
        }
        drop(Netns { name: name.clone() });
        removed.push(name);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_seen_to_catch_a_signal_once_its_handler_is_installed() {
        let spawn = |program: &str, args: &[&str]| {
            NetnsChild::from_child(
                Command::new(program)
                    .args(args)
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        };
        // perl (perl-base is essential in Debian) installs its handler even when SIGHUP was
        // ignored on entry, as under nohup, where a shell's `trap` may not.
        let catching = spawn("perl", &["-e", "$SIG{HUP} = sub { exit 0 }; sleep 5"]);
        assert!(catching.wait_catching(1, Duration::from_secs(5)));
        let plain = spawn("sleep", &["5"]);
        assert!(!plain.wait_catching(1, Duration::from_millis(200)));
    }

    #[test]
    fn tags_are_short_unique_and_carry_the_pid() {
        let (a, b) = (unique_tag(), unique_tag());
        assert_ne!(a, b);
        assert_eq!(a.len(), 9);
        assert!(a.starts_with(PREFIX));
        assert_eq!(owner_pid(&format!("{a}-sw")), Some(std::process::id()));
        assert_eq!(owner_pid(&a), None, "no role: not a lab namespace name");
        assert_eq!(owner_pid("other-sw"), None);
        assert_eq!(owner_pid("kgtestfoo-x"), None, "pid beyond pid_max");
        assert_eq!(owner_pid("kg"), None);
        assert_eq!(base36(4_194_304, 5), "2hwcg");
        assert_eq!(tag_of(&format!("{a}-sw")), Some(a.as_str()));
        assert_eq!(tag_of("other-sw"), None);
    }
}
