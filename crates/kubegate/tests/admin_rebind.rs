//! A reload that changes the `admin:` section, on the real binary: the endpoint moves to the
//! new address (the new one listens before the old one closes, and `kubegate reload` says
//! where it went); a new address that cannot be listened on keeps the old endpoint, and the
//! reload's answer says so. Loopback only, on ports the kernel picked.

mod admin_support;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use admin_support::daemon_support::{wait_until, Binary};
use admin_support::*;

fn reload_through(admin: SocketAddr, dir: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["reload", "--admin", &admin.to_string(), "--token-file"])
        .arg(dir.join("token"))
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn readyz(admin: SocketAddr) -> Result<u16, String> {
    try_request(admin, "GET", "/readyz", None)
        .map(|(code, _)| code)
        .map_err(|e| e.to_string())
}

#[test]
fn a_reload_moves_the_admin_endpoint_or_keeps_it_when_the_new_address_is_taken() {
    let backend = name_server("a");
    let frontend: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let first: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let yaml = |admin: SocketAddr| config(frontend, &[backend], &admin.to_string(), true);
    let d = Binary::spawn_ready(
        "admin-rebind",
        &yaml(first),
        &[("token", &token_file())],
        &[],
    );
    let write = |admin: SocketAddr| {
        let text = yaml(admin).replace("DIR", d.dir.to_str().unwrap());
        std::fs::write(d.dir.join("kubegate.yaml"), text).unwrap();
    };
    assert_eq!(readyz(first), Ok(200), "the endpoint at start");

    // Moved: the answer (through the old endpoint) names the new one, which answers.
    let second: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    write(second);
    let (ok, said) = reload_through(first, &d.dir);
    assert!(
        ok && said.contains(&format!("admin: endpoint moved to {second}")),
        "expected the reload accepted and the move said, got: {said}"
    );
    assert_eq!(readyz(second), Ok(200), "the new endpoint answers at once");
    wait_until(
        "the old endpoint to close",
        Duration::from_secs(5),
        || match readyz(first) {
            Err(_) => Ok(()),
            Ok(code) => Err(format!("{first} still answers {code}")),
        },
    );

    // Taken: the reload is accepted, says the new address failed, the endpoint stays.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let third = taken.local_addr().unwrap();
    write(third);
    let (ok, said) = reload_through(second, &d.dir);
    assert!(
        ok && said.contains(&format!("cannot listen on {third}"))
            && said.contains(&format!("the endpoint on {second} is kept")),
        "expected the failed bind reported and the endpoint kept, got: {said}"
    );
    assert_eq!(readyz(second), Ok(200), "the kept endpoint still answers");
    let log = d.log();
    assert!(
        log.contains(&format!("admin: endpoint moved to {second}")),
        "the daemon's log has the reload summary; log:\n{log}"
    );
}
