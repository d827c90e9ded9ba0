//! kubegate as the packages and the image run it: not root, holding only the capabilities of
//! `kubegate::capabilities::GRANTED`. Two nodes in network namespaces run the daemon as uid
//! 65534 (nobody; no user is created on the machine), given the capabilities either as
//! ambient capabilities (what the systemd unit does) or as permitted-only file capabilities
//! under a bounding set of just those (what a container runtime does for the pods with the
//! image's binary). Each time the daemon holds the VIP, balances a client's connection on a
//! port below 1024 through the VIP, and hands the VIP over on SIGTERM without a failed
//! connection. Needs root (to build the lab and drop to nobody) and `setpriv` and `setcap`.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use kubegate::capabilities::GRANTED;
use kubegate_lab::{self as lab, service, Cluster, NetnsChild};

const VIP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
/// Below 1024: binding it needs CAP_NET_BIND_SERVICE.
const FRONTEND: &str = "198.18.0.50:443";
const NOBODY: &str = "65534";

const CONFIG: &str = "nodes:
  - { name: node1, address: 198.18.0.11 }
  - { name: node2, address: 198.18.0.12 }
vips:
  - name: api
    address: 198.18.0.50/24
    vrrp: { vrid: 51, advert_interval: 100ms }
    track:
      - frontend: api
frontends:
  - name: api
    bind: 198.18.0.50:443
    backends: [127.0.0.1:7071]
    check: { tcp: true, interval: 100ms, timeout: 100ms, rise: 1, fall: 1 }
";

/// How the unprivileged daemon gets its capabilities.
#[derive(Clone, Copy, Debug)]
enum Grant {
    /// `AmbientCapabilities=` of the systemd unit.
    Ambient,
    /// The image: `setcap …=p` on the binary, the runtime's bounding set holding only these.
    FileCapabilities,
}

/// `net_admin,net_raw,…`: setpriv's spelling of the granted list.
fn cap_names() -> String {
    GRANTED
        .iter()
        .map(|c| c.pod_name().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// `cap_net_admin,cap_net_raw,…`: setcap's spelling.
fn setcap_names() -> String {
    GRANTED
        .iter()
        .map(|c| c.name.to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

fn granted_mask() -> u64 {
    GRANTED.iter().fold(0, |m, c| m | 1 << c.number)
}

fn require_tool(tool: &str, package: &str) -> PathBuf {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .expect("running sh");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !path.is_empty(),
        "this test needs `{tool}` (Debian package {package}; ./scripts/test.sh installs it)"
    );
    PathBuf::from(path)
}

/// A temporary directory nobody can read, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The daemon binary for `grant`: the test's own, or a copy carrying file capabilities in a
/// directory readable by nobody.
fn binary_for(grant: Grant) -> (PathBuf, Option<TempDir>) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_kubegate"));
    let Grant::FileCapabilities = grant else {
        return (binary, None);
    };
    let setcap = require_tool("setcap", "libcap2-bin");
    let dir = std::env::temp_dir().join(format!("kubegate-unprivileged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = TempDir(dir);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.0.join("kubegate");
    std::fs::copy(&binary, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let status = Command::new(setcap)
        .arg(format!("{}=p", setcap_names()))
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success(), "setcap on {} failed", copy.display());
    (copy, Some(dir))
}

/// `setpriv` arguments that drop to nobody with exactly the granted capabilities.
fn setpriv_args(grant: Grant) -> Vec<String> {
    let caps = format!("-all,+{}", cap_names().replace(',', ",+"));
    let mut args = vec![
        format!("--reuid={NOBODY}"),
        format!("--regid={NOBODY}"),
        "--clear-groups".to_string(),
        format!("--bounding-set={caps}"),
    ];
    match grant {
        Grant::Ambient => {
            args.push(format!("--inh-caps={caps}"));
            args.push(format!("--ambient-caps={caps}"));
        }
        Grant::FileCapabilities => args.push("--inh-caps=-all".to_string()),
    }
    args
}

/// `Uid:` and `CapEff:` of a process.
fn uid_and_caps(pid: u32) -> (String, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let uid = field("Uid:")
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let caps = u64::from_str_radix(&field("CapEff:"), 16).unwrap_or(0);
    (uid, caps)
}

/// A client connection through the balancer on the VIP: the name of the backend that answered.
fn answer_through(c: &Cluster, duration_ms: u64) -> (service::GapReport, String) {
    let out = c
        .command_in("client")
        .unwrap()
        .args(["lab-probe", "--target", FRONTEND, "--duration-ms"])
        .arg(duration_ms.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (service::analyse_output(&text), text)
}

fn holds_balances_and_hands_over(grant: Grant) {
    let _turn = lab::serial();
    let setpriv = require_tool("setpriv", "util-linux");
    let (binary, _dir) = binary_for(grant);
    let lab_binary = Path::new(env!("CARGO_BIN_EXE_kubegate"));
    let mut c = Cluster::new(lab_binary, 2, CONFIG).expect("building the lab");
    let _backends: Vec<NetnsChild> = ["node1", "node2"]
        .iter()
        .map(|node| {
            c.segment
                .netns(node)
                .unwrap()
                .spawn(
                    lab_binary.to_str().unwrap(),
                    &["lab-serve", "--listen", "127.0.0.1:7071", "--name", node],
                )
                .unwrap()
        })
        .collect();
    let config = c.config_path().to_string_lossy().into_owned();
    for node in ["node1", "node2"] {
        let mut args = setpriv_args(grant);
        args.extend([
            binary.to_string_lossy().into_owned(),
            "run".into(),
            "--config".into(),
            config.clone(),
            "--node".into(),
            node.into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.start_program(node, &setpriv, &args).unwrap();
    }

    c.wait_single_holder(VIP, Some("node1"), Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{grant:?}: {e}\n{}", c.logs()));
    // The daemon that holds the VIP is nobody with exactly the granted capabilities.
    let pid = c.daemon_pid("node1").unwrap();
    let (uid, caps) = uid_and_caps(pid);
    assert_eq!(uid, NOBODY, "{grant:?}: node1's daemon runs as uid {uid}");
    assert_eq!(
        caps,
        granted_mask(),
        "{grant:?}: node1's daemon has CapEff {caps:#x}, expected exactly {:#x} ({})",
        granted_mask(),
        cap_names()
    );

    // It balances: a client reaches node1's backend through the VIP's port 443.
    let (report, text) = answer_through(&c, 300);
    assert!(
        report.succeeded > 0 && report.answered_by == ["node1"],
        "{grant:?}: through {FRONTEND}: {report:?}\n{text}"
    );

    // SIGTERM: node1 hands the VIP to node2 while a client keeps connecting.
    // (The probe ends by itself after 3 s; the lab's namespaces take it along on a failure.)
    let probe = c
        .command_in("client")
        .unwrap()
        .args(["lab-probe", "--target", FRONTEND, "--duration-ms", "3000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    c.signal("node1", "TERM").unwrap();
    let out = probe.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let probe = (service::analyse_output(&text), text);
    assert_eq!(
        c.wait_exit("node1", Duration::from_secs(5)).unwrap(),
        Some(0),
        "{grant:?}: node1 did not exit cleanly on SIGTERM"
    );
    c.wait_single_holder(VIP, Some("node2"), Duration::from_secs(2))
        .unwrap();
    let (report, text) = probe;
    assert!(
        report.failed == 0 && report.retried <= 1 && report.answered_by == ["node1", "node2"],
        "{grant:?}: handover seen by the client: {report:?}\n{text}"
    );
}

#[test]
fn as_the_systemd_unit_runs_it_with_ambient_capabilities() {
    holds_balances_and_hands_over(Grant::Ambient);
}

#[test]
fn as_the_pods_run_the_image_with_file_capabilities() {
    holds_balances_and_hands_over(Grant::FileCapabilities);
}
