//! The admin token as a secret, against the `kubegate` binary: a token file that other users
//! may read is refused with the fix (`chmod 600 FILE`) by `check`, by `run` and by a reload,
//! naming the file; and the token never appears in the daemon's logs (at trace level), in
//! an answer of the endpoint (page, API, metrics, errors) or in the output of the commands.

mod admin_support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use admin_support::daemon_support::{Binary, START_STOP};
use admin_support::*;

/// A token no other text contains by chance.
const SECRET: &str = "kg-secret-5f1e9b2c7d04a3e8";

fn kubegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A file with `mode`, whatever the umask.
fn write_with_mode(path: &Path, contents: &str, mode: u32) {
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The config of a daemon on free loopback ports with `DIR/TOKEN_NAME` as its token file.
fn yaml(token_name: &str) -> String {
    let backend = name_server("live");
    config(
        format!("127.0.0.1:{}", free_port()).parse().unwrap(),
        &[backend],
        &format!("127.0.0.1:{}", free_port()),
        true,
    )
    .replace("DIR/token", &format!("DIR/{token_name}"))
}

fn admin_of(d: &Binary) -> std::net::SocketAddr {
    let cluster = kubegate::host::load_config(&d.dir.join("kubegate.yaml")).unwrap();
    cluster.admin.bind.unwrap()
}

#[test]
fn a_token_file_others_may_read_is_refused_by_check_run_and_reload() {
    let d = Binary::spawn_ready("secrets-mode", &yaml("token"), &[("token", TOKEN)], &[]);
    let admin = admin_of(&d);
    let loose = d.dir.join("loose-token");
    write_with_mode(&loose, &format!("{SECRET}\n"), 0o644);
    let fix = format!(
        "admin.token_file {0} is accessible by other users (mode 0644); a secret must be \
         readable by its owner only (ssh refuses such a private key too): run `chmod 600 {0}`",
        loose.display()
    );
    let running = std::fs::read_to_string(d.dir.join("kubegate.yaml")).unwrap();
    let loose_yaml = running.replace(
        &d.dir.join("token").display().to_string(),
        &loose.display().to_string(),
    );
    let loose_config = d.dir.join("loose.yaml");
    std::fs::write(&loose_config, &loose_yaml).unwrap();
    let loose_config = loose_config.to_str().unwrap();

    // check: an error, not a warning.
    let out = kubegate(&["check", "--config", loose_config]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("kubegate: {fix}\n")
    );

    // run: refuses to start, saying the same.
    let mut refused = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["run", "--config", loose_config])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = refused.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > START_STOP {
            let _ = refused.kill();
            panic!("kubegate run started with a token file others may read");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = refused.wait_with_output().unwrap();
    assert!(!status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&fix), "{stderr}");

    // A reload to it: accepted for the rest, the endpoint and its token kept.
    std::fs::write(d.dir.join("kubegate.yaml"), &loose_yaml).unwrap();
    let (code, body) = request(admin, "POST", "/api/v1/reload", Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    let kept = format!("admin: not changed, the running endpoint is kept: {fix}");
    let summary: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        summary["message"].as_str().unwrap().contains(&kept),
        "{body}"
    );
    let drain = "/api/v1/frontends/api/backends/127.0.0.1:1/drain";
    assert_eq!(request(admin, "POST", drain, Some(SECRET)).0, 403);
    assert_eq!(
        request(admin, "POST", drain, Some(TOKEN)).0,
        404,
        "old token"
    );

    // chmod 600: accepted everywhere.
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = kubegate(&["check", "--config", loose_config]);
    assert!(out.status.success(), "{}", text(&out));
    let (code, body) = request(admin, "POST", "/api/v1/reload", Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("token file changed"), "{body}");
    assert!(!body.contains(SECRET) && !d.log().contains(SECRET));
}

#[test]
fn the_token_never_appears_in_logs_errors_the_page_or_the_api() {
    let d = Binary::spawn_ready(
        "secrets-leak",
        &yaml("token"),
        &[("token", &format!("{SECRET}\n"))],
        &["--log-level", "trace"],
    );
    let admin = admin_of(&d);
    let config = d.dir.join("kubegate.yaml");
    let config = config.to_str().unwrap();
    let backend = kubegate::host::load_config(Path::new(config))
        .unwrap()
        .frontends[0]
        .backends[0]
        .address
        .to_string();
    let mut seen = Vec::new();

    // Every endpoint, with the token, without it, with a wrong one and with it mangled.
    let action = |word: &str| format!("/api/v1/frontends/api/backends/{backend}/{word}");
    for token in [
        None,
        Some(SECRET.to_string()),
        Some(format!("{SECRET}x")),
        Some(SECRET[..10].to_string()),
    ] {
        for path in [
            "/",
            "/api/v1/status",
            "/api/v1/cluster",
            "/metrics",
            "/healthz",
            "/readyz",
            "/nowhere",
        ] {
            seen.push(format!(
                "{:?}",
                request(admin, "GET", path, token.as_deref())
            ));
        }
        for path in [action("drain"), action("ready"), action("explode")] {
            seen.push(format!(
                "{:?}",
                request(admin, "POST", &path, token.as_deref())
            ));
        }
    }
    let malformed = format!("GET / HTTP/1.1\r\nAuthorization: Bearer {SECRET}\r\nX: \x01\r\n\r\n");
    seen.push(format!("{:?}", raw(admin, malformed.as_bytes())));
    // Reloads: accepted, rejected (the errors quote the file, which names only the path).
    seen.push(format!(
        "{:?}",
        request(admin, "POST", "/api/v1/reload", Some(SECRET))
    ));
    let good = std::fs::read_to_string(config).unwrap();
    std::fs::write(config, format!("{good}bogus: [\n")).unwrap();
    let rejected = request(admin, "POST", "/api/v1/reload", Some(SECRET));
    assert_eq!(rejected.0, 422, "{rejected:?}");
    seen.push(format!("{rejected:?}"));
    std::fs::write(config, &good).unwrap();
    d.signal("HUP");

    // The commands.
    let admin_s = admin.to_string();
    for args in [
        vec!["check", "--config", config],
        vec!["status", "--config", config],
        vec!["status", "--json", "--config", config],
        vec!["backend", "drain", "api", &backend, "--config", config],
        vec!["backend", "ready", "api", &backend, "--config", config],
        vec!["reload", "--config", config],
        vec!["handover", "nothing", "--config", config],
        vec!["status", "--admin", &admin_s, "--token-file", config],
    ] {
        seen.push(text(&kubegate(&args)));
    }
    std::thread::sleep(Duration::from_millis(300));
    seen.push(d.log());
    seen.push(d.read("connections.log"));

    let all = seen.join("\n");
    assert!(all.contains("<html"), "the page was seen");
    assert!(all.contains("kubegate_info"), "the metrics were seen");
    assert!(
        all.contains("the token does not match"),
        "refusals were seen"
    );
    assert!(d.log().contains("reload"), "the log was seen: {}", d.log());
    // Neither the token nor any 10 characters of it.
    for start in 0..=SECRET.len() - 10 {
        let piece = &SECRET[start..start + 10];
        assert!(
            !all.contains(piece),
            "{piece:?} of the token appears in:\n{all}"
        );
    }
}
