//! `kubegate lab-bench failover`: the VIP failover benchmark, kubegate and real keepalived side
//! by side in the same run. Each setup gets a fresh 3-node `Cluster` (priorities 150/100/50,
//! unicast); a client connects to the VIP every 20 ms while the master loses its link, and
//! again while the master is stopped with SIGTERM. Each event is repeated `runs` times; the
//! report gives median and max per case and the kubegate/keepalived ratio at equal timers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use kubegate_import::draft::{Draft, DraftNode, DraftVip};

use super::cluster::SERVICE_PORT;
use super::keepalived::KeepalivedPeer;
use super::service::{self, Sample};
use super::Cluster;

mod report;

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const NODES: [&str; 3] = ["node1", "node2", "node3"];
const PRIORITIES: [u8; 3] = [150, 100, 50];
/// The client's connection period.
const PERIOD: Duration = Duration::from_millis(20);
/// The default bound on one connection attempt. A SYN sent to a MAC that no longer holds the
/// VIP is lost and the kernel would retry only after 1 s, so this bound sets the resolution
/// of the measured gap during an outage; within the lab a connection takes well under 1 ms.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(50);
/// Probing before the event, to see the service answer from the master first.
const LEAD: Duration = Duration::from_millis(600);

/// What runs on the three nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// kubegate; `None`: the product's defaults (v3, 200 ms adverts), else v3 at this interval.
    Kubegate(Option<Duration>),
    /// keepalived 2.2.7 with this VRRP version and advert interval.
    Keepalived(u8, Duration),
}

impl Speaker {
    pub fn label(&self) -> String {
        match self {
            Speaker::Kubegate(None) => "kubegate default (v3, 200 ms)".into(),
            Speaker::Kubegate(Some(i)) => format!("kubegate v3 {} ms", i.as_millis()),
            Speaker::Keepalived(v, i) if i.subsec_millis() == 0 => {
                format!("keepalived v{v} {} s", i.as_secs())
            }
            Speaker::Keepalived(v, i) => format!("keepalived v{v} {} ms", i.as_millis()),
        }
    }

    fn advert(&self) -> Duration {
        match self {
            Speaker::Kubegate(i) => i.unwrap_or(Duration::from_millis(200)),
            Speaker::Keepalived(_, i) => *i,
        }
    }

    /// How long the client probes after the event: Master_Down of a backup (RFC 5798 §6.1:
    /// 3 × interval + skew < 4 × interval) plus a margin to see the successor answer.
    fn probe_tail(&self) -> Duration {
        self.advert() * 4 + Duration::from_millis(500)
    }

    /// How long a takeover may take before the run counts as broken.
    fn patience(&self) -> Duration {
        self.advert() * 4 + Duration::from_millis(1500)
    }

    /// The kubegate file of the setup: three nodes, one VIP; timers and priorities are
    /// written only for a kubegate with its own interval (else the product's defaults).
    fn yaml(&self) -> String {
        let nodes = NODES
            .iter()
            .zip(11u8..)
            .map(|(n, last)| DraftNode {
                name: n.to_string(),
                address: IpAddr::V4(Ipv4Addr::new(198, 18, 0, last)),
                origin: None,
            })
            .collect();
        let mut vip = DraftVip::new("api", format!("{VIP}/24"), 51);
        if let Speaker::Kubegate(Some(i)) = self {
            vip.advert_interval = *i;
            vip.priority = NODES
                .iter()
                .zip(PRIORITIES)
                .map(|(n, p)| (n.to_string(), p))
                .collect();
        }
        let draft = Draft {
            nodes,
            vips: vec![vip],
            ..Draft::default()
        };
        kubegate_import::emit::write(&draft)
    }
}

/// The benchmark's setups, in the order they run.
pub const SETUPS: [Speaker; 4] = [
    Speaker::Kubegate(Some(Duration::from_millis(100))),
    Speaker::Keepalived(3, Duration::from_millis(100)),
    Speaker::Kubegate(None),
    Speaker::Keepalived(2, Duration::from_secs(1)),
];

/// The two events measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    LinkLoss,
    Sigterm,
}

impl Event {
    pub fn label(&self) -> &'static str {
        match self {
            Event::LinkLoss => "master loses its link",
            Event::Sigterm => "master stopped (SIGTERM)",
        }
    }
}

/// What the client saw in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    /// Longest time between two successful connections, in ms.
    pub gap_ms: u64,
    pub failed: usize,
    /// Attempts answered only when tried again after a reset (see `service::probe`).
    pub retried: usize,
    /// When the successor was seen holding the VIP, in ms after the event (polled every
    /// 10 ms; the stopped or cut-off master may still hold it too).
    pub takeover_ms: u64,
    /// First answer from the successor, in ms after the event (client's clock).
    pub switch_ms: i64,
    /// First failed attempt after the event, in ms after it.
    pub first_failure_ms: Option<i64>,
}

/// All runs of one setup and event.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub speaker: Speaker,
    pub event: Event,
    pub runs: Vec<Measurement>,
}

/// What `kubegate lab-bench failover` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub runs: usize,
    /// Bound on one connection attempt of the client.
    pub attempt_timeout: Duration,
    pub markdown: bool,
    /// Run only the setups whose label contains this text.
    pub only: Option<String>,
}

/// Runs every setup `runs` times and prints the report; exit 0 when kubegate's targets hold.
pub fn failover(binary: &Path, options: &Options) -> Result<ExitCode> {
    let Options {
        runs,
        attempt_timeout,
        markdown,
        ref only,
    } = *options;
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let started = Instant::now();
    let mut results = Vec::new();
    let chosen: Vec<Speaker> = SETUPS
        .into_iter()
        .filter(|s| only.as_ref().is_none_or(|o| s.label().contains(o.as_str())))
        .collect();
    if chosen.is_empty() {
        bail!("--only {only:?} matches none of the setups");
    }
    for speaker in chosen {
        eprintln!("bench: {} ({runs} runs)", speaker.label());
        results.extend(run_setup(binary, speaker, runs, attempt_timeout)?);
    }
    let report = report::render(&results, runs, attempt_timeout, markdown);
    // A closed stdout (`| head`) is no reason to fail after the runs: the report is dropped.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes());
    eprintln!("bench: done in {:.0?}", started.elapsed());
    Ok(if report::targets_met(&results) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One fresh cluster for `speaker`; `runs` link losses and `runs` SIGTERMs, alternating.
fn run_setup(
    binary: &Path,
    speaker: Speaker,
    runs: usize,
    attempt_timeout: Duration,
) -> Result<Vec<CaseResult>> {
    let mut cluster = Cluster::new(binary, NODES.len() as u8, &speaker.yaml())
        .context("building the lab (needs root, iproute2 and nftables)")?;
    for node in NODES {
        cluster.start_speaker(speaker, node)?;
    }
    let mut link = CaseResult {
        speaker,
        event: Event::LinkLoss,
        runs: Vec::new(),
    };
    let mut term = CaseResult {
        speaker,
        event: Event::Sigterm,
        runs: Vec::new(),
    };
    let outcome = (|| -> Result<()> {
        for run in 1..=runs {
            for event in [Event::LinkLoss, Event::Sigterm] {
                // Run k of n hits the master (2k − 1) / 2n of an advert interval later than
                // the last: a real failure strikes at any point between two adverts, and
                // Master_Down counts from the last advert heard (RFC 5798 §6.4.2).
                let phase = speaker
                    .advert()
                    .mul_f64((2 * run - 1) as f64 / (2 * runs) as f64);
                let m = cluster
                    .measure(speaker, event, attempt_timeout, phase)
                    .with_context(|| {
                        format!("{}, {}, run {run}", speaker.label(), event.label())
                    })?;
                eprintln!(
                    "bench:   run {run} {:<26} gap {:>5} ms, failed {:>3}, node2 holds the VIP \
                     after {:>5} ms, answers from {:>5} ms, first failure at {:?} ms",
                    event.label(),
                    m.gap_ms,
                    m.failed,
                    m.takeover_ms,
                    m.switch_ms,
                    m.first_failure_ms
                );
                match event {
                    Event::LinkLoss => link.runs.push(m),
                    Event::Sigterm => term.runs.push(m),
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        cluster.keep_files();
        bail!("{e:#}\nconfig and logs kept in {}", cluster.dir().display());
    }
    for node in NODES {
        // keepalived's VRRP child must leave with its parent: stop gracefully first.
        let _ = cluster.signal(node, "TERM");
        let _ = cluster.wait_exit(node, Duration::from_secs(3));
    }
    Ok(vec![link, term])
}

impl Cluster {
    /// Starts `speaker` as `node`'s VRRP daemon.
    fn start_speaker(&mut self, speaker: Speaker, node: &str) -> Result<()> {
        let index = NODES.iter().position(|n| *n == node).context("node")?;
        match speaker {
            Speaker::Kubegate(_) => self.start(node)?,
            Speaker::Keepalived(version, advert) => {
                let own = Ipv4Addr::new(198, 18, 0, 11 + index as u8);
                let peers = (0..NODES.len())
                    .filter(|&i| i != index)
                    .map(|i| Ipv4Addr::new(198, 18, 0, 11 + i as u8))
                    .collect();
                let peer = KeepalivedPeer {
                    instance: "VI_1".into(),
                    version,
                    vrid: 51,
                    priority: PRIORITIES[index],
                    advert_interval: advert,
                    unicast: Some((own, peers)),
                    // v2 in the field carries a PASS; v3 has no authentication (RFC 5798 §9).
                    auth_pass: (version == 2).then(|| "kg-bench".into()),
                    preempt: true,
                    vip: VIP,
                    prefix_len: 24,
                    interface: "eth0".into(),
                };
                self.start_keepalived(node, &peer)?;
            }
        }
        Ok(())
    }

    /// One run: node1 holds the VIP and answers; the event hits node1; the client's view and
    /// the moment the VIP reached node2 are recorded; node1 is then brought back to master.
    fn measure(
        &mut self,
        speaker: Speaker,
        event: Event,
        attempt_timeout: Duration,
        phase: Duration,
    ) -> Result<Measurement> {
        let patience = speaker.patience();
        // A fresh or restarted keepalived backup waits Master_Down before it preempts.
        self.wait_single_holder(VIP, Some("node1"), patience * 2)?;
        // Settle: backups have heard several adverts and learnt the master's interval.
        thread::sleep(speaker.advert() * 3 + Duration::from_millis(300) + phase);

        let probe_for = LEAD + speaker.probe_tail();
        let probe = self.spawn_probe(probe_for, attempt_timeout)?;
        thread::sleep(LEAD);
        let at = Instant::now();
        let event_ms = probe.started.elapsed().as_millis() as u64;
        match event {
            Event::LinkLoss => self.segment.cut_carrier("node1")?,
            Event::Sigterm => self.signal("node1", "TERM")?,
        }
        let takeover_ms = self.wait_holds("node2", at, patience)?;
        let samples = probe.finish()?;
        self.wait_single_holder(VIP, Some("node2"), patience)?;
        let m = judge(&samples, event_ms, takeover_ms)?;

        match event {
            Event::LinkLoss => self.segment.restore_carrier("node1")?,
            Event::Sigterm => {
                let code = self.wait_exit("node1", Duration::from_secs(5))?;
                if code != Some(0) {
                    bail!("node1 exited with {code:?} after SIGTERM");
                }
                self.start_speaker(speaker, "node1")?;
            }
        }
        Ok(m)
    }

    /// Waits until `node` holds the VIP, polling only that node to keep the host quiet;
    /// returns the ms since `since`.
    fn wait_holds(&self, node: &str, since: Instant, timeout: Duration) -> Result<u64> {
        loop {
            if self.segment.addresses_of(node)?.contains(&VIP) {
                return Ok(since.elapsed().as_millis() as u64);
            }
            if since.elapsed() > timeout {
                bail!("{node} does not hold {VIP} after {timeout:?}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the client's probe in the background (stdout captured).
    fn spawn_probe(&self, duration: Duration, attempt_timeout: Duration) -> Result<RunningProbe> {
        let child = self
            .command_in("client")?
            .args([
                "lab-probe",
                "--target",
                &SocketAddr::from((VIP, SERVICE_PORT)).to_string(),
                "--period-ms",
                &PERIOD.as_millis().to_string(),
                "--duration-ms",
                &duration.as_millis().to_string(),
                "--timeout-ms",
                &attempt_timeout.as_millis().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(RunningProbe {
            child,
            started: Instant::now(),
        })
    }
}

struct RunningProbe {
    child: std::process::Child,
    started: Instant,
}

impl RunningProbe {
    fn finish(self) -> Result<Vec<Sample>> {
        let out = self.child.wait_with_output()?;
        if !out.status.success() {
            bail!("probe failed: {}", out.status);
        }
        Ok(service::parse_samples(&String::from_utf8_lossy(
            &out.stdout,
        )))
    }
}

/// Checks that the run is sound (node1 answered before the event, node2 answers at the end)
/// and measures it.
fn judge(samples: &[Sample], event_ms: u64, takeover_ms: u64) -> Result<Measurement> {
    let answer = |s: &Sample| s.answer.clone().unwrap_or_else(|| "-".into());
    let before: Vec<&Sample> = samples.iter().filter(|s| s.at_ms + 30 < event_ms).collect();
    if before.is_empty() || before.iter().any(|s| s.answer.as_deref() != Some("node1")) {
        bail!(
            "before the event the client did not get node1 every time: {:?}",
            before.iter().map(|s| answer(s)).collect::<Vec<_>>()
        );
    }
    match samples.last() {
        Some(s) if s.answer.as_deref() == Some("node2") => {}
        last => bail!(
            "the client was not served by node2 when the probe ended (last attempt: {:?})",
            last.map(answer)
        ),
    }
    let report = service::analyse(samples);
    let after = |s: &Sample| s.at_ms as i64 - event_ms as i64;
    let switch_ms = samples
        .iter()
        .find(|s| s.answer.as_deref() == Some("node2"))
        .map_or(0, after);
    let first_failure_ms = samples.iter().find(|s| s.answer.is_none()).map(after);
    Ok(Measurement {
        gap_ms: report.longest_gap_ms,
        failed: report.failed,
        retried: report.retried,
        takeover_ms,
        switch_ms,
        first_failure_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(at_ms: u64, who: Option<&str>) -> Sample {
        Sample::new(at_ms, who)
    }

    #[test]
    fn judge_measures_a_sound_run_and_rejects_broken_ones() {
        let good = [
            s(0, Some("node1")),
            s(20, Some("node1")),
            s(40, None),
            s(260, None),
            s(280, Some("node2")),
        ];
        let m = judge(&good, 60, 250).unwrap();
        assert_eq!((m.gap_ms, m.failed, m.takeover_ms), (260, 2, 250));
        assert_eq!((m.switch_ms, m.first_failure_ms), (220, Some(-20)));

        let not_recovered = [s(0, Some("node1")), s(20, None), s(40, None)];
        assert!(judge(&not_recovered, 10, 0).is_err());
        let wrong_start = [
            s(0, Some("node2")),
            s(20, Some("node2")),
            s(80, Some("node2")),
        ];
        assert!(judge(&wrong_start, 60, 0).is_err());
    }

    #[test]
    fn kubegate_yaml_sets_timers_only_when_asked() {
        use kubegate_config::model::{Version, DEFAULT_ADVERT_INTERVAL_V3};
        let parse = |speaker: Speaker| {
            let text = speaker.yaml();
            let cfg = kubegate_config::parse_str(&text, Path::new("bench.yaml"))
                .unwrap_or_else(|e| panic!("expected a valid file, got {e}\n{text}"));
            (cfg, text)
        };
        let (fast, text) = parse(Speaker::Kubegate(Some(Duration::from_millis(100))));
        let vrrp = &fast.vips[0].vrrp;
        assert_eq!(vrrp.advert_interval, Duration::from_millis(100), "{text}");
        assert!(text.contains("node1: 150, node2: 100, node3: 50"), "{text}");
        let (default, text) = parse(Speaker::Kubegate(None));
        let vrrp = &default.vips[0].vrrp;
        assert_eq!(
            (vrrp.version, vrrp.advert_interval),
            (Version::V3, DEFAULT_ADVERT_INTERVAL_V3),
            "{text}"
        );
        assert!(
            !text.contains("priority"),
            "priorities by node order: {text}"
        );
        assert!(text.contains("198.18.0.13"), "{text}");
        assert_eq!(
            Speaker::Keepalived(2, Duration::from_secs(1)).label(),
            "keepalived v2 1 s"
        );
    }
}
