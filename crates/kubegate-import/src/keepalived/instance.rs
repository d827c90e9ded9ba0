//! One `vrrp_instance NAME { … }`: every keyword kubegate translates, read with its line;
//! the others are left out with a note that says why.

use super::lexer::Item;
use super::model::{At, AuthType, Instance, TrackRef, VirtualAddress};
use super::value::Ctx;

pub fn instance(c: &mut Ctx, item: &Item, block: &[Item]) -> Option<Instance> {
    let Some(name) = item.args.first() else {
        c.error(
            item.line,
            "vrrp_instance has no name; write it like `vrrp_instance VI_1 {`",
        );
        return None;
    };
    let mut i = Instance {
        name: name.clone(),
        line: item.line,
        ..Instance::default()
    };
    for s in block {
        keyword(c, s, &mut i);
    }
    let written = |k: &str| block.iter().any(|s| s.key == k);
    if !written("virtual_router_id") {
        c.error(item.line, format!("vrrp_instance {name} has no virtual_router_id; add one (1 to 255, the same on every node of this VIP)"));
    }
    if !written("virtual_ipaddress") {
        c.error(
            item.line,
            format!("vrrp_instance {name} has no virtual_ipaddress; add the VIP's address"),
        );
    }
    Some(i)
}

fn keyword(c: &mut Ctx, s: &Item, i: &mut Instance) {
    let line = s.line;
    let block = s.block.as_deref().unwrap_or_default();
    match s.key.as_str() {
        "state" => match c.word(s) {
            Some(w @ ("MASTER" | "BACKUP")) => i.state = Some(At::new(w.to_string(), line)),
            Some(w) => c.error(line, format!("state {w:?} is not MASTER or BACKUP; write one of them (kubegate needs neither: the priority decides)")),
            None => {}
        },
        "interface" => {
            i.interface = c
                .word(s)
                .and_then(|w| interface_name(c, line, "interface", w))
                .map(|w| At::new(w, line));
        }
        "virtual_router_id" => {
            i.vrid = c
                .int_in(s, 1, 255, "use 1 to 255, the same on every node of this VIP")
                .map(|n| At::new(n as u8, line))
        }
        "priority" => {
            i.priority = c.int_in(s, 1, 255, "use 1 to 254").map(|n| At::new(n as u8, line));
            if i.priority.as_ref().is_some_and(|p| p.value == 255) {
                c.error(line, "priority 255 makes keepalived the address owner, which kubegate does not support; use 254 (the highest a non-owner may have)");
            }
        }
        "advert_int" => i.advert_int = c.seconds(s, 10).map(|v| At::new(v, line)),
        "version" => {
            i.version = c
                .int_in(s, 2, 3, "write `version 2` or `version 3`")
                .map(|n| At::new(n as u8, line))
        }
        "nopreempt" => i.nopreempt = Some(line),
        "preempt" => {}
        "preempt_delay" => {
            i.preempt_delay = c.seconds(s, 0).map(|v| At::new(v, line));
            if i.preempt_delay.as_ref().is_some_and(|d| d.value.as_secs() > 1000) {
                c.error(line, "preempt_delay is longer than 1000 seconds (keepalived's limit, and kubegate's); use at most 1000");
            }
        }
        "authentication" => authentication(c, block, i),
        "unicast_src_ip" => {
            i.unicast_src_ip = c
                .word(s)
                .and_then(|w| c.ip(w, line, "unicast_src_ip"))
                .map(|v| At::new(v, line))
        }
        "mcast_src_ip" => {
            i.mcast_src_ip = c
                .word(s)
                .and_then(|w| c.ip(w, line, "mcast_src_ip"))
                .map(|v| At::new(v, line))
        }
        "unicast_peer" => {
            let mut peers = Vec::new();
            for p in block {
                // Peer options (`min_ttl`, `max_ttl`) follow the address on its line.
                if let Some(ip) = c.ip(&p.key, p.line, "unicast_peer") {
                    peers.push(ip);
                }
                if !p.args.is_empty() {
                    c.dropped(p.line, format!("unicast_peer options {} have no kubegate equivalent", p.args.join(" ")));
                }
            }
            i.unicast_peers = Some(At::new(peers, line));
        }
        "virtual_ipaddress" => {
            if block.is_empty() {
                c.error(line, "virtual_ipaddress is empty; add the VIP's address inside { }");
            }
            for a in block {
                let Some(v) = virtual_address(c, a) else {
                    continue;
                };
                match i.addresses.iter().find(|known| known.ip == v.ip) {
                    Some(known) => c.dropped(
                        a.line,
                        format!(
                            "{} is listed already (line {}); kept once",
                            v.text, known.line
                        ),
                    ),
                    None => i.addresses.push(v),
                }
            }
        }
        "track_script" => i.track_scripts.extend(track_refs(c, block, "track_script")),
        "track_interface" => i.track_interfaces.extend(track_refs(c, block, "track_interface")),
        "notify" => {
            if s.args.is_empty() {
                c.error(line, "notify has no program; write `notify /path/to/program`");
            } else {
                i.notify = Some(At::new(s.args.join(" "), line));
            }
        }
        "notify_master" | "notify_backup" | "notify_fault" => {
            if s.args.is_empty() {
                c.error(line, format!("{} has no program; write `{0} /path/to/program`", s.key));
            } else {
                let program = Some(At::new(s.args.join(" "), line));
                match s.key.as_str() {
                    "notify_master" => i.notify_master = program,
                    "notify_backup" => i.notify_backup = program,
                    _ => i.notify_fault = program,
                }
            }
        }
        "notify_stop" | "notify_master_rx_lower_pri" => c.dropped(
            line,
            format!("{}: kubegate has `notify_master`, `notify_backup`, `notify_fault` and one `notify` program that gets the new state (MASTER, BACKUP, FAULT, STOP) as an argument; move this command into such a program", s.key),
        ),
        "virtual_ipaddress_excluded" | "virtual_routes" | "virtual_rules" => c.dropped(
            line,
            format!("{} has no kubegate equivalent; kubegate adds only the VIP's address", s.key),
        ),
        other => c.dropped(line, format!("vrrp_instance {other} has no kubegate equivalent")),
    }
}

fn authentication(c: &mut Ctx, block: &[Item], i: &mut Instance) {
    for a in block {
        match a.key.as_str() {
            "auth_type" => match c.word(a) {
                Some("PASS") => i.auth_type = Some(At::new(AuthType::Pass, a.line)),
                Some("AH") => i.auth_type = Some(At::new(AuthType::Ah, a.line)),
                Some(w) => c.error(
                    a.line,
                    format!("auth_type {w:?} is not PASS or AH; write `auth_type PASS`"),
                ),
                None => {}
            },
            "auth_pass" => i.auth_pass = c.word(a).map(|w| At::new(w.to_string(), a.line)),
            other => c.dropped(
                a.line,
                format!("authentication {other} has no kubegate equivalent"),
            ),
        }
    }
}

/// `A[/len] [dev IF] [label L] [other options]`.
fn virtual_address(c: &mut Ctx, a: &Item) -> Option<VirtualAddress> {
    let ip_text = a.key.split_once('/').map_or(a.key.as_str(), |(ip, _)| ip);
    let ip = c.ip(ip_text, a.line, "virtual address")?;
    if let Some((_, len)) = a.key.split_once('/') {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if !len.parse::<u8>().is_ok_and(|l| l <= max) {
            c.error(
                a.line,
                format!(
                    "prefix length {len:?} of {} is out of range; use 0 to {max}",
                    a.key
                ),
            );
            return None;
        }
    }
    let mut v = VirtualAddress {
        text: a.key.clone(),
        ip,
        dev: None,
        label: None,
        line: a.line,
    };
    let mut words = a.args.iter();
    while let Some(w) = words.next() {
        match w.as_str() {
            "dev" => {
                v.dev = words
                    .next()
                    .and_then(|w| interface_name(c, a.line, "dev", w))
            }
            "label" => v.label = words.next().cloned(),
            other => {
                let mut rest = vec![other];
                rest.extend(words.by_ref().map(String::as_str));
                c.dropped(
                    a.line,
                    format!(
                        "virtual address options `{}` have no kubegate equivalent",
                        rest.join(" ")
                    ),
                );
                break;
            }
        }
    }
    Some(v)
}

/// Lines of `track_script { }` / `track_interface { }`: `NAME [weight N]`.
fn track_refs(c: &mut Ctx, block: &[Item], what: &str) -> Vec<TrackRef> {
    let mut out = Vec::new();
    for t in block {
        if what == "track_interface" && interface_name(c, t.line, what, &t.key).is_none() {
            continue;
        }
        let mut r = TrackRef {
            name: t.key.clone(),
            weight: None,
            line: t.line,
        };
        match t.args.as_slice() {
            [] => {}
            [w, n] if w == "weight" => match n.parse::<i32>() {
                Ok(n) if (-253..=253).contains(&n) => r.weight = Some(n),
                _ => c.error(
                    t.line,
                    format!(
                        "{what} {} weight {n} is not from -253 to 253; use a weight in that range",
                        t.key
                    ),
                ),
            },
            other => c.dropped(
                t.line,
                format!(
                    "{what} {} options `{}` have no kubegate equivalent",
                    t.key,
                    other.join(" ")
                ),
            ),
        }
        out.push(r);
    }
    out
}

/// An interface name as kubegate accepts it (Linux: at most 15 bytes, no '/', ':' or spaces);
/// else an error note saying why (an alias such as `eth0:0` is a label of `eth0`).
fn interface_name(c: &mut Ctx, line: usize, what: &str, name: &str) -> Option<String> {
    match kubegate_config::if_name(name) {
        Ok(()) => Some(name.to_string()),
        Err(_) => {
            c.error(
                line,
                format!(
                    "{what} {name:?} is not a Linux interface name (at most 15 characters, no \
                     '/', ':' or spaces; an alias such as eth0:0 is a label of eth0): write the \
                     interface's name"
                ),
            );
            None
        }
    }
}
