//! Shared by the `interop_*` tests: the VRRP timer arithmetic the bounds are derived from, a
//! lock so that one lab runs at a time, and the checks every mixed pair goes through (who
//! holds the VIP, for how long alone, whether a client reaches the service through it).
#![allow(dead_code)]

use std::io;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use kubegate_lab::Cluster;

pub const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
pub const VRID: u8 = 51;
/// The kubegate node and the foreign node of every mixed pair.
pub const KUBEGATE: &str = "node1";
pub const FOREIGN: &str = "node2";
pub const HIGH: u8 = 150;
pub const LOW: u8 = 100;

/// Starting a daemon (process start, reading its config, joining the group) on two busy cores.
pub const START_SLACK: Duration = Duration::from_millis(1500);
/// Signal delivery, address changes and our polling of `ip` (every ~20–50 ms).
pub const POLL_SLACK: Duration = Duration::from_millis(250);
/// The probing client connects this often.
pub const PROBE_PERIOD: Duration = Duration::from_millis(20);
/// An attempt of the probing client gives up after this long (`kubegate lab-probe`'s default):
/// a SYN sent to a node that has just dropped the VIP is lost, and only the next attempt
/// (after the new master's gratuitous ARP) succeeds, so a client gap can exceed the takeover
/// time by this much.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(200);

/// One lab at a time: two cores, and every lab's timing bounds assume an idle machine.
pub fn lab_lock() -> MutexGuard<'static, ()> {
    static LAB: Mutex<()> = Mutex::new(());
    LAB.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fails the test, saying how to install it, unless `program` is on the PATH.
pub fn require_program(program: &str, hint: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{program} is not installed: {hint}");
}

/// RFC 5798 §6.1 (and RFC 3768 §6.1 with whole seconds) timers for an advert interval.
#[derive(Debug, Clone, Copy)]
pub struct Timers {
    pub interval: Duration,
}

impl Timers {
    /// Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256.
    pub fn skew(&self, priority: u8) -> Duration {
        self.interval * (256 - u32::from(priority)) / 256
    }

    /// Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time.
    pub fn master_down(&self, priority: u8) -> Duration {
        self.interval * 3 + self.skew(priority)
    }

    /// Both start as backups: the higher one ignores the lower one's adverts (preempt, RFC 5798
    /// §6.4.2), becomes master when its Master_Down_Timer fires, and the lower one steps down
    /// on the first advert it hears (≤ one interval later).
    /// Bound: START_SLACK + Master_Down_Interval(high) + Advertisement_Interval.
    pub fn election_bound(&self) -> Duration {
        START_SLACK + self.master_down(HIGH) + self.interval
    }

    /// A master that stops sends priority 0; the backup then waits only Skew_Time (RFC 5798
    /// §6.4.2). Bound: Skew_Time(backup) + POLL_SLACK — shorter than Master_Down_Interval for
    /// 1 s adverts, so the priority-0 path is what is measured, not the dead-master timeout.
    pub fn takeover_bound(&self) -> Duration {
        self.skew(LOW) + POLL_SLACK
    }

    /// A restarted higher-priority node preempts as at election time.
    pub fn preempt_bound(&self) -> Duration {
        self.election_bound()
    }

    /// What a client may miss when the master stops: the takeover, one attempt lost to the
    /// node that dropped the VIP (PROBE_TIMEOUT), one probe period.
    pub fn takeover_gap_bound(&self) -> Duration {
        self.takeover_bound() + PROBE_TIMEOUT + PROBE_PERIOD
    }

    /// What a client may miss when a returning master preempts: the old master drops the VIP
    /// on the first advert of the new one (RFC 5798 §6.4.3), which announces itself with a
    /// gratuitous ARP as it sends that advert (§6.4.1) — at worst one advert interval apart,
    /// plus one lost attempt and one probe period.
    pub fn preempt_gap_bound(&self) -> Duration {
        self.interval + PROBE_TIMEOUT + PROBE_PERIOD
    }
}

/// Reads who holds the VIP; mixed pairs differ in where the foreign daemon puts it.
pub type Holders<'a> = &'a dyn Fn(&Cluster) -> io::Result<Vec<String>>;

/// Waits until `node` is among the holders (it may not be alone yet: a kubegate master that
/// hands over keeps the VIP until it hears its successor); returns how long that took.
pub fn wait_holding(c: &Cluster, holders: Holders, node: &str, timeout: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let now = holders(c).expect("reading the VIP's holders");
        if now.iter().any(|h| h == node) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < timeout,
            "{node} did not take {VIP} within {timeout:?} (holders now: {now:?})"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `node` alone holds the VIP; returns how long that took.
pub fn wait_alone(c: &Cluster, holders: Holders, node: &str, timeout: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let now = holders(c).expect("reading the VIP's holders");
        if now == [node] {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < timeout,
            "{VIP} is not held by {node} alone after {timeout:?}: holders {now:?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Samples the holders for `period`: every sample must be exactly `[node]` (no split brain,
/// no gap). Returns the number of samples taken.
pub fn assert_steady(c: &Cluster, holders: Holders, node: &str, period: Duration) -> usize {
    let start = Instant::now();
    let mut samples = 0;
    while start.elapsed() < period {
        let now = holders(c).expect("reading the VIP's holders");
        samples += 1;
        assert!(
            now == [node],
            "{:?} into a steady period {VIP} is held by {now:?}, expected {node} alone \
             (sample {samples})",
            start.elapsed()
        );
        thread::sleep(Duration::from_millis(30));
    }
    assert!(samples >= 5, "only {samples} samples in {period:?}");
    samples
}

/// A client on the segment connects to the service through the VIP for a short while: every
/// attempt must succeed and be answered by `node`.
pub fn assert_reaches(c: &Cluster, node: &str) {
    let report = c
        .start_probe(VIP, PROBE_PERIOD, Duration::from_millis(200))
        .and_then(|p| p.finish())
        .expect("running the probe");
    assert!(
        report.failed == 0
            && report.retried == 0
            && report.answered_by == [node]
            && report.succeeded >= 3,
        "the client should reach {node}'s service through {VIP}: {report:?}"
    );
}

/// One measured event of a case, printed at the end of the test.
#[derive(Debug)]
pub struct Measure {
    pub case: String,
    pub event: String,
    /// From the action until the new holder held the VIP.
    pub took: Duration,
    /// Longest gap a client connecting every 20 ms saw (None: not probed).
    pub client_gap_ms: Option<u64>,
    pub failed: Option<usize>,
    pub bound: Duration,
}

pub fn print_table(title: &str, rows: &[Measure]) {
    println!("\n{title}");
    println!(
        "{:<44} {:<34} {:>9} {:>9} {:>7} {:>9}",
        "case", "event", "took ms", "gap ms", "failed", "bound ms"
    );
    for r in rows {
        println!(
            "{:<44} {:<34} {:>9} {:>9} {:>7} {:>9}",
            r.case,
            r.event,
            r.took.as_millis(),
            r.client_gap_ms.map_or("-".into(), |g| g.to_string()),
            r.failed.map_or("-".into(), |f| f.to_string()),
            r.bound.as_millis()
        );
    }
}

/// The non-kubegate side of a mixed pair (keepalived, FRR …), running as node `FOREIGN`.
pub trait Foreign {
    /// Starts (or restarts) the foreign daemon as `FOREIGN`'s daemon in the cluster, so that
    /// `Cluster::signal` / `wait_exit` act on it.
    fn start(&mut self, c: &mut Cluster) -> io::Result<()>;
    /// Who holds the VIP, the foreign node included.
    fn holders(&self, c: &Cluster) -> io::Result<Vec<String>>;
}

/// One mixed pair: kubegate on `KUBEGATE`, the foreign daemon on `FOREIGN`; the one with
/// priority `HIGH` is the preferred master; both preempt.
pub struct Pair<'a> {
    pub name: String,
    pub timers: Timers,
    pub kubegate_high: bool,
    pub foreign: &'a mut dyn Foreign,
    /// How long each steady period is sampled.
    pub steady: Duration,
}

impl Pair<'_> {
    fn high(&self) -> &'static str {
        if self.kubegate_high {
            KUBEGATE
        } else {
            FOREIGN
        }
    }

    fn low(&self) -> &'static str {
        if self.kubegate_high {
            FOREIGN
        } else {
            KUBEGATE
        }
    }

    fn start(&mut self, c: &mut Cluster, node: &str) {
        if node == KUBEGATE {
            c.start(KUBEGATE).expect("starting kubegate");
        } else {
            self.foreign.start(c).expect("starting the foreign daemon");
        }
    }

    /// Election, a steady period, the master stopped (SIGTERM: kubegate hands over, the
    /// others send priority 0), a steady period, the master restarted (it preempts), a steady
    /// period; a client checks the service after every move. Returns what was measured.
    pub fn run(mut self, c: &mut Cluster) -> Vec<Measure> {
        let (high, low) = (self.high(), self.low());
        let t = self.timers;
        let mut rows = Vec::new();

        self.start(c, FOREIGN);
        self.start(c, KUBEGATE);
        let foreign = &*self.foreign;
        let holders = |c: &Cluster| foreign.holders(c);
        let bound = t.election_bound();
        let took = wait_alone(c, &holders, high, bound);
        rows.push(self.measure("election", took, None, bound));
        assert_steady(c, &holders, high, self.steady);
        assert_reaches(c, high);

        // The master stops.
        let bound = t.takeover_bound();
        let probe = c
            .start_probe(VIP, PROBE_PERIOD, Duration::from_millis(300) + bound * 2)
            .expect("starting the probe");
        // A baseline first: the probe's first 300 ms are set aside for it.
        probe
            .wait_answered(high, 5, Duration::from_millis(300))
            .unwrap_or_else(|e| panic!("{}: before stopping {high}: {e}", self.name));
        c.signal(high, "TERM").expect("SIGTERM to the master");
        let took = wait_holding(c, &holders, low, bound);
        let code = c
            .wait_exit(high, Duration::from_secs(5))
            .expect("the stopped master exits");
        assert_eq!(code, Some(0), "{high} should exit cleanly on SIGTERM");
        wait_alone(c, &holders, low, Duration::from_secs(2));
        let report = probe.finish().expect("probe");
        let gap_bound = t.takeover_gap_bound();
        assert!(
            report.longest_gap_ms <= gap_bound.as_millis() as u64
                && report.answered_by.last().map(String::as_str) == Some(low),
            "{}: a client saw a gap longer than {gap_bound:?} (takeover bound + one lost \
             attempt + one period), or never reached {low}: {report:?}",
            self.name
        );
        if high == KUBEGATE {
            // kubegate's planned handover keeps the VIP until its successor is heard. A
            // connection whose handshake is under way when the successor's gratuitous ARP
            // arrives is reset by the successor and tried again (as client-go does); at most
            // one attempt can be in that instant.
            assert!(
                report.failed == 0 && report.retried <= 1,
                "{}: kubegate's SIGTERM handover must not fail a connection: {report:?}",
                self.name
            );
        }
        rows.push(self.measure(
            &format!("{high} stopped (SIGTERM) -> {low}"),
            took,
            Some((report.longest_gap_ms, report.failed)),
            bound,
        ));
        assert_steady(c, &holders, low, self.steady / 2);
        assert_reaches(c, low);

        // The master returns and preempts.
        let bound = t.preempt_bound();
        let probe = c
            .start_probe(VIP, PROBE_PERIOD, bound + Duration::from_millis(300))
            .expect("starting the probe");
        probe
            .wait_answered(low, 2, Duration::from_millis(300))
            .unwrap_or_else(|e| panic!("{}: before restarting {high}: {e}", self.name));
        let start = Instant::now();
        self.start(c, high);
        let foreign = &*self.foreign;
        let holders = |c: &Cluster| foreign.holders(c);
        wait_alone(c, &holders, high, bound);
        let took = start.elapsed();
        let report = probe.finish().expect("probe");
        let gap_bound = t.preempt_gap_bound();
        assert!(
            report.longest_gap_ms <= gap_bound.as_millis() as u64
                && report.answered_by.last().map(String::as_str) == Some(high),
            "{}: when {high} preempted a client saw a gap longer than {gap_bound:?}, or never \
             reached {high}: {report:?}",
            self.name
        );
        rows.push(self.measure(
            &format!("{high} restarted, preempts"),
            took,
            Some((report.longest_gap_ms, report.failed)),
            bound,
        ));
        assert_steady(c, &holders, high, self.steady);
        assert_reaches(c, high);
        rows
    }

    fn measure(
        &self,
        event: &str,
        took: Duration,
        probe: Option<(u64, usize)>,
        bound: Duration,
    ) -> Measure {
        Measure {
            case: self.name.clone(),
            event: event.to_string(),
            took,
            client_gap_ms: probe.map(|p| p.0),
            failed: probe.map(|p| p.1),
            bound,
        }
    }
}
