//! The config file shipped in a ConfigMap (`kubegate manifest daemonset --configmap`), for
//! k3s's auto-deploy directory: the file's text as one key, laid out as a YAML block scalar
//! when that reads back byte for byte (else a quoted string), and a hash of it that the
//! DaemonSet's pod template carries so a changed file rolls the pods.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use kubegate_config::yaml::quote;

/// Where the ConfigMap is mounted in the pod, and the key (file name) it holds.
pub const MOUNT_DIR: &str = "/run/kubegate";
pub const KEY: &str = "kubegate.yaml";

/// The config's path inside the pod.
pub fn config_path() -> PathBuf {
    Path::new(MOUNT_DIR).join(KEY)
}

/// The ConfigMap document (without the `---` separator).
pub fn document(text: &str, app_label: &str) -> String {
    let mut out = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubegate\n");
    let _ = write!(
        out,
        "  namespace: kube-system\n  labels:\n    {app_label}\ndata:\n  {KEY}: "
    );
    out.push_str(&scalar(text, 4));
    out
}

/// FNV-1a (64 bits) of the text, in hex: not a security measure, only a change detector for
/// the pod template's annotation.
pub fn hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `text` as the value of a mapping key whose block content sits at `indent`, ending with a
/// line feed. A literal block (`|`, `|-`, `|+` for the file's final line feeds) when every line
/// reads back unchanged; a double-quoted string otherwise (control characters, carriage
/// returns, a first line that starts with a space, which a block cannot begin with).
fn scalar(text: &str, indent: usize) -> String {
    let printable = text
        .chars()
        .all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !text.contains('\u{feff}');
    let first = text.split('\n').next().unwrap_or_default();
    let block_safe = printable
        && !first.trim().is_empty()
        && !first.starts_with(' ')
        && !first.starts_with('\t');
    if !block_safe {
        return format!("{}\n", quote(text));
    }
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{chomp}\n");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chomping_follows_the_final_line_feeds() {
        assert_eq!(scalar("a: 1\n", 2), "|\n  a: 1\n");
        assert_eq!(scalar("a: 1", 2), "|-\n  a: 1\n");
        assert_eq!(scalar("a: 1\n\n", 2), "|+\n  a: 1\n\n");
        assert_eq!(scalar("a: 1\n\nb: 2\n", 2), "|\n  a: 1\n\n  b: 2\n");
    }

    #[test]
    fn unsafe_texts_are_quoted() {
        assert_eq!(scalar(" a: 1\n", 2), "\" a: 1\\u000A\"\n");
        assert_eq!(scalar("a\r\n", 2), "\"a\\u000D\\u000A\"\n");
        assert_eq!(scalar("", 2), "\"\"\n");
    }

    #[test]
    fn the_hash_changes_with_the_text() {
        assert_eq!(hash(""), "cbf29ce484222325");
        assert_ne!(hash("a: 1\n"), hash("a: 2\n"));
    }
}
