//! The VIP settings whose keepalived form needs a choice: the VRRP version (instance, then
//! `global_defs`, then 2), the advert interval's range, preemption, the interface and label
//! (so that the result works on every node) and `notify`.

use std::net::IpAddr;
use std::time::Duration;

use super::super::draft::Note;
use super::model::{At, Instance};
use super::vip::{agree, Member};

/// `version`, else `global_defs { vrrp_version }`, else 2; IPv6 needs 3.
pub fn version(members: &[Member], ip: IpAddr, notes: &mut Vec<Note>) -> u8 {
    let v = agree(members, "VRRP version", notes, |m| {
        match (&m.inst.version, &m.file.vrrp_version) {
            (Some(v), _) => (v.value, v.line),
            (None, Some(g)) => (g.value, g.line),
            (None, None) => (2, m.inst.line),
        }
    });
    if v == 2 && ip.is_ipv6() {
        if let Some(m) = members.first() {
            notes.push(Note::assumed(Some(m.at(m.inst.line)), format!(
                "vrrp_instance {} has an IPv6 address: VRRP version 3 is used (version 2 is IPv4 only, RFC 3768)",
                m.inst.name
            )));
        }
        return 3;
    }
    v
}

/// v2: whole seconds 1..255 (RFC 3768 §5.3.7); v3: 10 ms steps up to 40.95 s (RFC 5798 §5.2.7).
pub fn check_interval(members: &[Member], version: u8, t: Duration, notes: &mut Vec<Note>) {
    let ms = t.as_millis();
    let problem = match version {
        2 if !ms.is_multiple_of(1000) || !(1_000..=255_000).contains(&ms) => Some(
            "VRRP version 2 counts whole seconds 1..255; write a whole number, or use `version 3` on every node for sub-second adverts",
        ),
        3 if !ms.is_multiple_of(10) || !(10..=40_950).contains(&ms) => {
            Some("VRRP version 3 counts hundredths of a second up to 40.95; write a multiple of 0.01")
        }
        _ => None,
    };
    if let (Some(p), Some(m)) = (problem, members.first()) {
        let line = m.inst.advert_int.as_ref().map_or(m.inst.line, |a| a.line);
        notes.push(Note::error(
            Some(m.at(line)),
            format!("advert_int {} does not fit: {p}", t.as_secs_f64()),
        ));
    }
}

/// `nopreempt` on any node turns preemption off for the VIP; `preempt_delay` takes the largest.
pub fn preemption(members: &[Member], vip: &str, notes: &mut Vec<Note>) -> (bool, Duration) {
    let with: Vec<&Member> = members
        .iter()
        .filter(|m| m.inst.nopreempt.is_some())
        .collect();
    if !with.is_empty() && with.len() < members.len() {
        let at = with.first().and_then(|m| m.inst.nopreempt.map(|l| m.at(l)));
        let names: Vec<&str> = with.iter().map(|m| m.node).collect();
        notes.push(Note::assumed(at, format!(
            "only {} had nopreempt: kubegate sets preempt per VIP, so VIP {vip} gets `preempt: false` on every node",
            names.join(", ")
        )));
    }
    let delays: Vec<(Duration, &Member)> = members
        .iter()
        .filter_map(|m| m.inst.preempt_delay.as_ref().map(|d| (d.value, m)))
        .collect();
    let delay = delays
        .iter()
        .map(|(d, _)| *d)
        .max()
        .unwrap_or(Duration::ZERO);
    let some_without = !delays.is_empty() && delays.len() != members.len();
    if some_without || delays.iter().any(|(d, _)| *d != delay) {
        if let Some((_, m)) = delays.iter().find(|(d, _)| *d == delay) {
            let line = m
                .inst
                .preempt_delay
                .as_ref()
                .map_or(m.inst.line, |d| d.line);
            notes.push(Note::assumed(Some(m.at(line)), format!(
                "preempt_delay differs between the nodes: VIP {vip} uses the longest, {}s, on every node",
                delay.as_secs_f64()
            )));
        }
    }
    (with.is_empty(), delay)
}

/// The VIP's interface on one node: `dev` of its address, else the instance's `interface`.
fn interface_of<'a>(m: &'a Member) -> Option<&'a str> {
    let a = m.inst.addresses.first()?;
    a.dev
        .as_deref()
        .or(m.inst.interface.as_ref().map(|i| i.value.as_str()))
}

/// The interface when every node names the same one, else `auto` (with a note); the label
/// without its `IFNAME:` part, since kubegate puts the node's interface in front of it.
pub fn interface_and_label(
    members: &[Member],
    vip: &str,
    notes: &mut Vec<Note>,
) -> (Option<String>, Option<String>) {
    let names: Vec<Option<&str>> = members.iter().map(interface_of).collect();
    let first = names.first().copied().flatten();
    let interface = if names.iter().all(|n| *n == first) {
        first.map(str::to_string)
    } else {
        if let Some(m) = members.first() {
            let list: Vec<String> = members
                .iter()
                .zip(&names)
                .map(|(m, n)| format!("{} {}", m.node, n.unwrap_or("(none)")))
                .collect();
            notes.push(Note::assumed(Some(m.at(m.inst.line)), format!(
                "the nodes name different interfaces for VIP {vip} ({}): `interface: auto` is used, the interface that carries each node's own address",
                list.join(", ")
            )));
        }
        None
    };
    let mut label: Option<(String, &Member, usize)> = None;
    for (m, ifname) in members.iter().zip(&names) {
        let Some(a) = m.inst.addresses.first() else {
            continue;
        };
        let Some(l) = &a.label else { continue };
        let short = match ifname
            .and_then(|i| l.strip_prefix(i))
            .and_then(|r| r.strip_prefix(':'))
        {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => l.clone(),
        };
        match &label {
            None => {
                if short.len() > 15 || l.len() > 15 {
                    notes.push(Note::error(Some(m.at(a.line)), format!("label {l:?} is longer than 15 bytes, the most Linux keeps; use a shorter label")));
                }
                label = Some((short, m, a.line));
            }
            Some((first, fm, fl)) if *first != short => notes.push(Note::assumed(Some(m.at(a.line)), format!(
                "label {l:?} differs from the one at {}: VIP {vip} uses the label {first:?} on every node",
                fm.at(*fl)
            ))),
            Some(_) => {}
        }
    }
    (interface, label.map(|(l, _, _)| l))
}

/// The generic `notify` program (the first written; differing ones are noted).
pub fn notify(members: &[Member], notes: &mut Vec<Note>) -> Option<String> {
    program(
        members,
        "notify",
        |i| i.notify.as_ref(),
        "with INSTANCE NAME STATE PRIORITY as arguments",
        notes,
    )
}

/// `notify_master`, `notify_backup` and `notify_fault` (keepalived runs them without
/// arguments, as kubegate does).
pub fn state_programs(members: &[Member], notes: &mut Vec<Note>) -> [Option<String>; 3] {
    const BARE: &str = "without arguments, as keepalived runs it";
    [
        program(
            members,
            "notify_master",
            |i| i.notify_master.as_ref(),
            BARE,
            notes,
        ),
        program(
            members,
            "notify_backup",
            |i| i.notify_backup.as_ref(),
            BARE,
            notes,
        ),
        program(
            members,
            "notify_fault",
            |i| i.notify_fault.as_ref(),
            BARE,
            notes,
        ),
    ]
}

/// One program setting of the instances: the first written; one with arguments or a relative
/// path is an error, one that differs between the nodes is noted.
fn program(
    members: &[Member],
    key: &str,
    get: impl Fn(&Instance) -> Option<&At<String>>,
    how: &str,
    notes: &mut Vec<Note>,
) -> Option<String> {
    let mut first: Option<(String, &Member, usize)> = None;
    for m in members {
        let Some(n) = get(m.inst) else { continue };
        match &first {
            None => {
                if !n.value.starts_with('/') || n.value.contains(char::is_whitespace) {
                    notes.push(Note::error(Some(m.at(n.line)), format!(
                        "{key} {:?}: kubegate runs one program by its absolute path ({how}); put the command into a script and write its path",
                        n.value
                    )));
                }
                first = Some((n.value.clone(), m, n.line));
            }
            Some((f, fm, fl)) if *f != n.value => notes.push(Note::assumed(
                Some(m.at(n.line)),
                format!(
                    "{key} differs from the one at {}: kubegate runs {f:?} on every node",
                    fm.at(*fl)
                ),
            )),
            Some(_) => {}
        }
    }
    first.map(|(n, _, _)| n)
}
