//! Writes a [`Draft`] as a kubegate config file (the one writer of the schema; the lab's files
//! come from here too): the keys of docs/configuration.md, only the
//! values that differ from nothing (a `None` keeps kubegate's default), and a comment after each
//! entry naming the source line it came from, so a reviewer can hold the two side by side.

use std::fmt::Write as _;

use super::draft::{
    Draft, DraftBackend, DraftBalance, DraftCheck, DraftCheckKind, DraftFrontend, DraftNode,
    DraftTimeouts, DraftTrack, DraftTrackKind, DraftTransport, DraftVip, Origin,
};
use kubegate_config::duration::format_duration;
use kubegate_config::yaml::quote;

/// The imported file's text: a header naming `sources` (the imported file names), then
/// [`write`].
pub fn emit(draft: &Draft, sources: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Written by `kubegate import` from {}.",
        commented(&sources.join(", "))
    );
    out.push_str(
        "# Read the notes the import printed, then `kubegate check --config FILE` on each node.\n",
    );
    out.push_str(&write(draft));
    out
}

/// The kubegate file of `draft`, without a header: every writer of kubegate files (the
/// import, the lab) goes through here, so every value is quoted where YAML needs it.
pub fn write(draft: &Draft) -> String {
    let mut out = String::new();
    if !draft.nodes.is_empty() {
        out.push_str("\nnodes:\n");
        for n in &draft.nodes {
            node(&mut out, n);
        }
    }
    if !draft.vips.is_empty() {
        out.push_str("\nvips:\n");
        for v in &draft.vips {
            vip(&mut out, v);
        }
    }
    if !draft.frontends.is_empty() {
        out.push_str("\nfrontends:\n");
        for f in &draft.frontends {
            frontend(&mut out, f);
        }
    }
    if draft.admin_bind.is_some() || draft.admin_token_file.is_some() {
        out.push_str("\nadmin:\n");
    }
    if let Some(bind) = &draft.admin_bind {
        let _ = writeln!(out, "  bind: {}", scalar(bind));
    }
    if let Some(token) = &draft.admin_token_file {
        let _ = writeln!(out, "  token_file: {}", scalar(token));
    }
    out
}

/// `  # file:line` after an entry's first line, or nothing.
fn from(origin: &Option<Origin>) -> String {
    origin
        .as_ref()
        .map(|o| format!("  # {}", commented(&o.to_string())))
        .unwrap_or_default()
}

fn node(out: &mut String, n: &DraftNode) {
    let _ = writeln!(
        out,
        "  - {{ name: {}, address: {} }}{}",
        scalar(&n.name),
        n.address,
        from(&n.origin)
    );
}

fn vip(out: &mut String, v: &DraftVip) {
    let _ = writeln!(out, "  - name: {}{}", scalar(&v.name), from(&v.origin));
    if v.more_addresses.is_empty() {
        let _ = writeln!(out, "    address: {}", scalar(&v.address));
    } else {
        let all: Vec<String> = std::iter::once(&v.address)
            .chain(&v.more_addresses)
            .map(|a| scalar(a))
            .collect();
        let _ = writeln!(out, "    addresses: [{}]", all.join(", "));
    }
    if let Some(i) = &v.interface {
        let _ = writeln!(out, "    interface: {}", scalar(i));
    }
    if let Some(l) = &v.label {
        let _ = writeln!(out, "    label: {}", scalar(l));
    }
    if let Some(n) = &v.notify {
        let _ = writeln!(out, "    notify: {}", scalar(n));
    }
    for (key, program) in [
        ("notify_master", &v.notify_master),
        ("notify_backup", &v.notify_backup),
        ("notify_fault", &v.notify_fault),
    ] {
        if let Some(p) = program {
            let _ = writeln!(out, "    {key}: {}", scalar(p));
        }
    }
    if let Some(g) = &v.group {
        let _ = writeln!(out, "    group: {}", scalar(g));
    }
    out.push_str("    vrrp:\n");
    let _ = writeln!(out, "      vrid: {}", v.vrid);
    let _ = writeln!(out, "      version: {}", v.version);
    let _ = writeln!(
        out,
        "      advert_interval: {}",
        format_duration(v.advert_interval)
    );
    let transport = match v.transport {
        DraftTransport::Unicast => "unicast",
        DraftTransport::Multicast => "multicast",
    };
    let _ = writeln!(out, "      transport: {transport}");
    let _ = writeln!(out, "      preempt: {}", v.preempt);
    if !v.preempt_delay.is_zero() {
        let _ = writeln!(
            out,
            "      preempt_delay: {}",
            format_duration(v.preempt_delay)
        );
    }
    if !v.priority.is_empty() {
        let pairs: Vec<String> = v
            .priority
            .iter()
            .map(|(node, p)| format!("{}: {p}", scalar(node)))
            .collect();
        let _ = writeln!(out, "      priority: {{ {} }}", pairs.join(", "));
    }
    if let Some(pass) = &v.auth_pass {
        let _ = writeln!(out, "      auth_pass: {}", quote(pass));
    }
    if !v.track.is_empty() {
        out.push_str("    track:\n");
        for t in &v.track {
            track(out, t);
        }
    }
}

fn track(out: &mut String, t: &DraftTrack) {
    let (key, value) = match &t.kind {
        DraftTrackKind::Script(s) => ("script", quote(s)),
        DraftTrackKind::Interface(i) => ("interface", scalar(i)),
        DraftTrackKind::Tcp(a) => ("tcp", scalar(a)),
        DraftTrackKind::Frontend(f) => ("frontend", scalar(f)),
    };
    let was = t
        .source_name
        .as_ref()
        .map(|n| format!(" (was vrrp_script {n})"))
        .unwrap_or_default();
    let comment = match (&t.origin, was.is_empty()) {
        (Some(o), _) => format!("  # {}", commented(&format!("{o}{was}"))),
        (None, false) => format!("  #{}", commented(&was)),
        (None, true) => String::new(),
    };
    let _ = writeln!(out, "      - {key}: {value}{comment}");
    if let Some(d) = t.interval {
        let _ = writeln!(out, "        interval: {}", format_duration(d));
    }
    if let Some(d) = t.timeout {
        let _ = writeln!(out, "        timeout: {}", format_duration(d));
    }
    if let Some(n) = t.rise {
        let _ = writeln!(out, "        rise: {n}");
    }
    if let Some(n) = t.fall {
        let _ = writeln!(out, "        fall: {n}");
    }
    if t.weight != 0 {
        let _ = writeln!(out, "        weight: {}", t.weight);
    }
}

fn frontend(out: &mut String, f: &DraftFrontend) {
    let _ = writeln!(out, "  - name: {}{}", scalar(&f.name), from(&f.origin));
    let _ = writeln!(out, "    bind: {}", scalar(&f.bind));
    out.push_str("    backends:\n");
    for b in &f.backends {
        backend(out, b);
    }
    if let Some(b) = f.balance {
        let word = match b {
            DraftBalance::RoundRobin => "round-robin",
            DraftBalance::LeastConn => "least-conn",
            DraftBalance::RandomTwo => "random-two",
            DraftBalance::SourceHash => "source-hash",
        };
        let _ = writeln!(out, "    balance: {word}");
    }
    if let Some(c) = &f.check {
        let _ = writeln!(out, "    check: {}", check(c));
    }
    if let Some(t) = timeouts(&f.timeouts) {
        let _ = writeln!(out, "    timeouts: {t}");
    }
    if let Some(n) = f.max_connections {
        let _ = writeln!(out, "    max_connections: {n}");
    }
    if f.proxy_protocol {
        out.push_str("    proxy_protocol: true\n");
    }
    if let Some(n) = f.retries {
        let _ = writeln!(out, "    retries: {n}");
    }
}

fn backend(out: &mut String, b: &DraftBackend) {
    let mut comment: Vec<String> = Vec::new();
    if let Some(o) = &b.origin {
        comment.push(o.to_string());
    }
    if let Some(n) = &b.name {
        comment.push(n.clone());
    }
    let comment = if comment.is_empty() {
        String::new()
    } else {
        format!("  # {}", commented(&comment.join(" ")))
    };
    match b.weight {
        Some(w) if w != 1 => {
            let _ = writeln!(
                out,
                "      - {{ address: {}, weight: {w} }}{comment}",
                scalar(&b.address)
            );
        }
        _ => {
            let _ = writeln!(out, "      - {}{comment}", scalar(&b.address));
        }
    }
}

fn check(c: &DraftCheck) -> String {
    let mut parts = vec![match &c.kind {
        DraftCheckKind::Tcp => "tcp: true".to_string(),
        DraftCheckKind::Http { path } => format!("http: {}", scalar(path)),
        DraftCheckKind::Https { path } => format!("https: {}", scalar(path)),
    }];
    if let Some(d) = c.interval {
        parts.push(format!("interval: {}", format_duration(d)));
    }
    if let Some(d) = c.timeout {
        parts.push(format!("timeout: {}", format_duration(d)));
    }
    if let Some(n) = c.rise {
        parts.push(format!("rise: {n}"));
    }
    if let Some(n) = c.fall {
        parts.push(format!("fall: {n}"));
    }
    if !c.statuses.is_empty() {
        let list: Vec<String> = c.statuses.iter().map(u16::to_string).collect();
        parts.push(format!("statuses: [{}]", list.join(", ")));
    }
    if let Some(f) = &c.ca_file {
        parts.push(format!("ca_file: {}", scalar(f)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn timeouts(t: &DraftTimeouts) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(d) = t.connect {
        parts.push(format!("connect: {}", format_duration(d)));
    }
    if let Some(d) = t.idle {
        parts.push(format!("idle: {}", format_duration(d)));
    }
    (!parts.is_empty()).then(|| format!("{{ {} }}", parts.join(", ")))
}

/// Text for a `#` comment: what YAML does not allow there (control characters, line breaks,
/// a byte order mark; YAML 1.2 §5.1) becomes `?`, so a name taken from the imported file
/// cannot end the comment or make the file unreadable.
fn commented(text: &str) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            && c != '\u{feff}'
            || c >= '\u{10000}'
    };
    text.chars()
        .map(|c| if allowed(c) { c } else { '?' })
        .collect()
}

/// A value written plain when YAML reads it back as the same string, else double-quoted.
/// Values also go into flow mappings (`check: { http: PATH, … }`), where `[`, `]`, `{`, `}`
/// and `,` end a plain value (YAML 1.2 §7.3.3): those are quoted too.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '_'))
        && !s.starts_with(['-', ':'])
        && !s.ends_with(':')
        && !s.contains(": ")
        && !looks_typed(s);
    if plain {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Words YAML would read as something other than a string (`true`, `null`, `0x1f`, `1e3` …).
fn looks_typed(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
    ) || s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_keep_only_what_yaml_allows_there() {
        assert_eq!(commented("k8s-master-1 é 🙂"), "k8s-master-1 é 🙂");
        assert_eq!(commented("a\u{14}b\nc\rd\u{7f}\u{feff}"), "a?b?c?d??");
    }

    #[test]
    fn plain_words_stay_plain_and_the_rest_is_quoted() {
        assert_eq!(scalar("10.0.0.50/24"), "10.0.0.50/24");
        assert_eq!(scalar("0.0.0.0:9443"), "0.0.0.0:9443");
        assert_eq!(scalar("[::]:6443"), "\"[::]:6443\"");
        assert_eq!(scalar("/re[dyz"), "\"/re[dyz\"", "a flow indicator inside");
        assert_eq!(scalar("VI_1"), "VI_1");
        assert_eq!(scalar("on"), "\"on\"");
        assert_eq!(scalar("1111"), "\"1111\"");
        assert_eq!(scalar("a b"), "\"a b\"");
    }

    #[test]
    fn every_string_reads_back_as_itself() {
        #[derive(serde::Deserialize)]
        struct One {
            v: String,
        }
        for s in [
            "plain",
            "10.0.0.1:6443",
            "[2001:2::1]:6443",
            "yes",
            "0x10",
            "1e3",
            "- dash",
            "a: b",
            "trailing:",
            "#hash",
            "it's",
            "/bin/bash -c 'if [[ $(netstat -nlp | grep 9443) ]]; then exit 0; fi'",
            "tab\there",
            "新",
            "",
        ] {
            let text = format!("v: {}\n", scalar(s));
            let back: One = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back.v, s, "{text}");
        }
    }
}
