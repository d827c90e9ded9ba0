//! What `scripts/package.sh` wrote to `dist/`, checked as a user on a node would meet it: each
//! architecture's tarball holds a static, stripped binary under the size allowed that runs
//! `--version` (this build's version, commit and target) and `check` on the example config it
//! carries, the aarch64 one under qemu-user; SHA256SUMS hold. The container image archive is
//! an OCI layout with an index over both architectures, named as the manifests' default image,
//! whose config runs /kubegate as the pods' non-root uid, and whose binary runs and carries
//! the granted capabilities as permitted-only file capabilities. Fails (never skips) when
//! dist/ is missing: ./scripts/test.sh builds it first.

mod packaging_support;

use packaging_support::*;
use serde_json::Value;

#[test]
fn tarballs_hold_a_small_static_binary_that_runs_and_checks_the_example() {
    for arch in ARCHES {
        let dir = TempDir::new("tarball");
        untar(&tarball(arch), dir.path());
        let top = dir.join(&format!("kubegate-{VERSION}-{arch}-linux-musl"));
        for f in [
            "kubegate",
            "kubegate.service",
            "kubegate.yaml",
            "kubegate.sysusers",
            "README.md",
        ] {
            assert!(top.join(f).is_file(), "{arch}: the tarball lacks {f}");
        }
        let sums = std::process::Command::new("sha256sum")
            .args(["--check", "--strict", "SHA256SUMS"])
            .current_dir(&top)
            .output()
            .unwrap();
        assert!(sums.status.success(), "{arch}: SHA256SUMS: {sums:?}");

        let binary = top.join("kubegate");
        let size = std::fs::metadata(&binary).unwrap().len();
        assert!(
            size < MAX_BINARY_BYTES,
            "{arch}: the binary is {size} bytes"
        );
        let file = run_ok("file", &["-b", binary.to_str().unwrap()], "file");
        let machine = if arch == "x86_64" {
            "x86-64"
        } else {
            "ARM aarch64"
        };
        assert!(
            (file.contains("statically linked") || file.contains("static-pie linked"))
                && !file.contains("interpreter")
                && file.contains(machine)
                && file.contains("stripped")
                && !file.contains("not stripped"),
            "{arch}: file says: {file}"
        );

        let out = run_binary(arch, &binary, &["--version"]);
        let version = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{arch}: --version: {out:?}");
        assert!(
            version.starts_with(&format!("kubegate {VERSION}\n")),
            "{version}"
        );
        assert!(
            version.contains(&format!("target: {arch}-unknown-linux-musl\n")),
            "{arch}: {version}"
        );
        if let Some(head) = head_commit() {
            assert!(
                version.contains(&format!("commit: {head}\n")),
                "{arch}: the packaged binary is not of this tree's commit {head} (run \
                 ./scripts/package.sh again):\n{version}"
            );
        }
        assert!(
            version.contains(&format!("image: {}\n", kubegate::build_info::image()))
                || version.ends_with(&format!("image: {}", kubegate::build_info::image())),
            "{version}"
        );

        let config = top.join("kubegate.yaml");
        let out = run_binary(
            arch,
            &binary,
            &[
                "check",
                "--config",
                config.to_str().unwrap(),
                "--node",
                "master1",
            ],
        );
        let plan = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{arch}: check: {out:?}");
        assert!(
            plan.contains("master1") && plan.contains("10.0.0.50"),
            "{arch}: {plan}"
        );
    }
}

#[test]
fn the_sums_of_dist_hold() {
    let dist = dist_file("SHA256SUMS");
    let out = std::process::Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(dist.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "dist/SHA256SUMS: {out:?}");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.lines().count() >= 7, "{listed}");
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn read_json(path: &std::path::Path) -> Value {
    json(&std::fs::read_to_string(path).unwrap())
}

fn blob(layout: &std::path::Path, digest: &Value) -> std::path::PathBuf {
    let digest = digest.as_str().unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    layout.join("blobs/sha256").join(hex)
}

#[test]
fn the_image_archive_is_an_oci_index_of_both_architectures_run_as_non_root() {
    let archive = oci_archive();
    let reference = format!("oci-archive:{}", archive.display());
    let image = kubegate::build_info::image();
    assert_eq!(image, kubegate::manifest::default_image());

    // skopeo reads it, per architecture.
    for (arch, platform) in [("x86_64", "amd64"), ("aarch64", "arm64")] {
        let inspect = json(&run_ok(
            "skopeo",
            &[
                "inspect",
                "--override-os",
                "linux",
                "--override-arch",
                platform,
                &reference,
            ],
            "skopeo",
        ));
        assert_eq!(inspect["Architecture"], platform, "{arch}: {inspect}");
        let labels = &inspect["Labels"];
        assert_eq!(
            labels["org.opencontainers.image.version"], VERSION,
            "{labels}"
        );
        assert!(
            labels["org.opencontainers.image.source"]
                .as_str()
                .unwrap_or("")
                .starts_with("https://"),
            "{labels}"
        );
        let config = json(&run_ok(
            "skopeo",
            &[
                "inspect",
                "--config",
                "--override-os",
                "linux",
                "--override-arch",
                platform,
                &reference,
            ],
            "skopeo",
        ));
        let user = config["config"]["User"].as_str().unwrap_or("");
        let uid = kubegate::manifest::POD_UID.to_string();
        assert_eq!(user, format!("{uid}:{uid}"), "{arch}: the image's user");
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(["/kubegate"])
        );
    }

    // The layout itself: index.json names the image; the index holds both platforms; each
    // layer's binary runs and carries the capabilities.
    let dir = TempDir::new("oci");
    untar(&archive, dir.path());
    assert_eq!(
        read_json(&dir.join("oci-layout"))["imageLayoutVersion"],
        "1.0.0"
    );
    let top = read_json(&dir.join("index.json"));
    let entry = &top["manifests"][0];
    assert_eq!(
        entry["annotations"]["io.containerd.image.name"],
        image.as_str()
    );
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        image.as_str()
    );
    let index = read_json(&blob(dir.path(), &entry["digest"]));
    let manifests = index["manifests"].as_array().unwrap();
    let platforms: Vec<&str> = manifests
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["amd64", "arm64"]);
    let expected_caps: Vec<String> = kubegate::capabilities::GRANTED
        .iter()
        .map(|c| c.name.to_lowercase())
        .collect();
    // Docker's classic store reads manifest.json: the x86_64 image, under the same name.
    let first = read_json(&blob(dir.path(), &manifests[0]["digest"]));
    let docker = read_json(&dir.join("manifest.json"));
    let path_of = |d: &Value| format!("blobs/sha256/{}", &d.as_str().unwrap()["sha256:".len()..]);
    assert_eq!(
        docker,
        serde_json::json!([{
            "Config": path_of(&first["config"]["digest"]),
            "RepoTags": [image.as_str()],
            "Layers": [path_of(&first["layers"][0]["digest"])],
        }])
    );
    for (m, arch) in manifests.iter().zip(ARCHES) {
        let manifest = read_json(&blob(dir.path(), &m["digest"]));
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1, "FROM scratch: one layer, the binary");
        let root = TempDir::new("oci-root");
        untar(&blob(dir.path(), &layers[0]["digest"]), root.path());
        let binary = root.join("kubegate");
        let out = run_binary(arch, &binary, &["--version"]);
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains(VERSION),
            "{arch}: the image's binary: {out:?}"
        );
        let caps = run_ok("getcap", &[binary.to_str().unwrap()], "libcap2-bin");
        let caps = caps.trim().rsplit(' ').next().unwrap_or("").to_string();
        let (names, flags) = caps.split_once('=').unwrap_or(("", ""));
        let mut names: Vec<&str> = names.split(',').collect();
        let mut want: Vec<&str> = expected_caps.iter().map(String::as_str).collect();
        names.sort();
        want.sort();
        assert_eq!(
            (names, flags),
            (want, "p"),
            "{arch}: file capabilities {caps}"
        );
    }
}

#[test]
fn the_pods_run_as_the_images_user() {
    let example = workspace().join("packaging/kubegate.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["manifest", "static-pod", "--config"])
        .arg(&example)
        .args(["--node-path", "/etc/kubegate/kubegate.yaml"])
        .output()
        .unwrap();
    let pod = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let uid = kubegate::manifest::POD_UID;
    assert!(pod.contains(&format!("runAsUser: {uid}\n")), "{pod}");
    assert!(
        pod.contains("runAsNonRoot: true") && !pod.contains("privileged: true"),
        "{pod}"
    );
    assert!(
        pod.contains(&format!("image: \"{}\"", kubegate::build_info::image())),
        "{pod}"
    );
}
