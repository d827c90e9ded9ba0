//! `kubegate lab` builds each topology in network namespaces, runs its scenario and meets
//! every bound: the rows of its table are all `ok`, the VIPs moved as each step expects, and
//! the exit status is 0 — including every apiserver down and back (the VIP stays put, new
//! connections are refused within 50 ms, service resumes within rise × interval + margin). `stacked` runs as the README's main command (`kubegate lab`, no
//! options). `bgp` builds its router and client behind it and times withdrawals instead. Each
//! takes about a minute; they take turns.

use std::process::Command;

/// Runs `kubegate lab ARGS…` and returns the table's rows (step name → row), asserting exit
/// status 0 and that every expected step has a row ending in `ok`.
fn lab(args: &[&str], steps: &[&str]) -> Vec<String> {
    let _turn = kubegate_lab::serial();
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .arg("lab")
        .args(args)
        .output()
        .expect("running kubegate lab");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "kubegate lab {args:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let rows: Vec<String> = steps
        .iter()
        .map(|step| {
            stdout
                .lines()
                .find(|l| l.starts_with(step))
                .unwrap_or_else(|| panic!("no row {step:?} in\n{stdout}"))
                .to_string()
        })
        .collect();
    for row in &rows {
        assert!(row.trim_end().ends_with(" ok"), "{row}\n{stdout}");
    }
    rows
}

fn assert_moves(row: &str, movement: &str) {
    assert!(row.contains(movement), "expected {movement:?} in {row}");
}

#[test]
fn stacked_is_the_default_and_meets_its_bounds() {
    let rows = lab(
        &[],
        &[
            "apiserver master1 not ready, stopped",
            "master1 link down",
            "master1 link back (preempt)",
            "master1 SIGTERM handover",
            "master1 partitioned",
            "master1 partition heals",
            "every apiserver down, then back",
        ],
    );
    assert_moves(&rows[0], "master1 -> master1 ");
    assert_moves(&rows[1], "master1 -> master2 ");
    assert_moves(&rows[2], "master2 -> master1 ");
    assert_moves(&rows[3], "master1 -> master2 ");
    assert_moves(&rows[4], "master1 -> master1+master2 ");
    assert_moves(&rows[5], "master1+master2 -> master1 ");
    // Every apiserver down: nobody goes to FAULT, the VIP stays where it was.
    assert_moves(&rows[6], "master1 -> master1 ");
}

#[test]
fn lb_pair_meets_its_bounds() {
    let rows = lab(
        &["--topology", "lb-pair"],
        &[
            "apiserver api1 not ready, stopped",
            "lb1 link down",
            "lb1 link back (preempt)",
            "lb1 SIGTERM handover",
            "lb1 partitioned",
            "lb1 partition heals",
            "every apiserver down, then back",
        ],
    );
    assert_moves(&rows[1], "lb1 -> lb2 ");
    assert_moves(&rows[3], "lb1 -> lb2 ");
    assert_moves(&rows[4], "lb1 -> lb1+lb2 ");
    assert_moves(&rows[6], "lb1 -> lb1 ");
}

#[test]
fn master_master_meets_its_bounds() {
    let rows = lab(
        &["--topology", "master-master"],
        &[
            "apiserver api1 not ready, stopped",
            "lb1 link down",
            "lb1 link back (preempt)",
            "lb1 SIGTERM handover",
            "lb1 partitioned",
            "lb1 partition heals",
            "every apiserver down, then back",
        ],
    );
    // VIP A, VIP B: lb2 keeps B throughout and takes A while lb1 is away.
    assert_moves(&rows[1], "lb1,lb2 -> lb2,lb2 ");
    assert_moves(&rows[2], "lb2,lb2 -> lb1,lb2 ");
    assert_moves(&rows[3], "lb1,lb2 -> lb2,lb2 ");
    assert_moves(&rows[6], "lb1,lb2 -> lb1,lb2 ");
}

#[test]
fn node_local_meets_its_bounds() {
    lab(
        &["--topology", "node-local"],
        &[
            "apiserver api1 not ready, stopped",
            "apiserver host api2 link down",
            "apiserver host api2 link back",
            "SIGHUP reload without api3",
        ],
    );
}

/// `bgp`: three nodes announce the VIP to FRR (bgpd + bfdd); each fault takes one node's
/// path out of the router's table within its bound (backend loss: check interval × fall +
/// 1 s; SIGTERM: 1 s, before the process exits, no failed request; SIGKILL: 1 s; a cut link:
/// BFD 300 ms × 3 + 100 ms), and each return brings it back.
#[test]
fn bgp_meets_its_bounds() {
    let all = "master1+master2+master3";
    let rows = lab(
        &["--topology", "bgp"],
        &[
            "master1 loses its backends",
            "master1 backends back",
            "master2 SIGTERM",
            "master2 starts again",
            "master3 SIGKILL (crash)",
            "master3 starts again",
            "master1 link cut (hang)",
            "master1 link back",
        ],
    );
    assert_moves(&rows[0], &format!("{all} -> master2+master3 "));
    assert_moves(&rows[1], &format!("master2+master3 -> {all} "));
    assert_moves(&rows[2], &format!("{all} -> master1+master3 "));
    assert_moves(&rows[4], &format!("{all} -> master1+master2 "));
    assert_moves(&rows[6], &format!("{all} -> master2+master3 "));
    assert_moves(&rows[7], &format!("master2+master3 -> {all} "));
}
