//! The top level of a keepalived file: `global_defs`, `vrrp_script`, `vrrp_instance` (read in
//! `instance`), `vrrp_sync_group` (read in `sync_group`) and the keywords kubegate has no use for, each left out with a note.

use super::instance::instance;
use super::lexer::{items, Item};
use super::model::{At, KeepalivedFile, VrrpScript};
use super::sync_group;
use super::value::Ctx;

/// Reads one file; never fails: problems are notes in the result.
pub fn read(file: &str, text: &str) -> KeepalivedFile {
    let mut notes = Vec::new();
    let tree = items(file, text, &mut notes);
    let mut out = KeepalivedFile {
        file: file.to_string(),
        ..KeepalivedFile::default()
    };
    let mut c = Ctx {
        file,
        notes: &mut notes,
    };
    for item in &tree {
        top_level(&mut c, item, &mut out);
    }
    out.notes = notes;
    out
}

fn top_level(c: &mut Ctx, item: &Item, out: &mut KeepalivedFile) {
    let block = item.block.as_deref().unwrap_or_default();
    match item.key.as_str() {
        "global_defs" => global_defs(c, block, out),
        "vrrp_script" => {
            if let Some(s) = script(c, item, block) {
                if out.scripts.iter().any(|o| o.name == s.name) {
                    c.error(item.line, format!("vrrp_script {} is defined twice in this file; keep one", s.name));
                } else {
                    out.scripts.push(s);
                }
            }
        }
        "vrrp_instance" => {
            if let Some(i) = instance(c, item, block) {
                out.instances.push(i);
            }
        }
        "include" => c.dropped(
            item.line,
            format!(
                "include {} is not followed: import the included file too",
                item.args.join(" ")
            ),
        ),
        "vrrp_sync_group" => {
            if let Some(g) = sync_group::read(c, item, block) {
                out.sync_groups.push(g);
            }
        }
        "virtual_server" | "virtual_server_group" | "real_server" => c.dropped(
            item.line,
            format!("{} (LVS) has no kubegate equivalent: use frontends: instead", item.key),
        ),
        other => c.dropped(
            item.line,
            format!("`{other}` is not translated (kubegate has no equivalent); check whether the new setup needs it"),
        ),
    }
}

fn global_defs(c: &mut Ctx, block: &[Item], out: &mut KeepalivedFile) {
    let mut others: Vec<&str> = Vec::new();
    let mut first_other = 0;
    for item in block {
        match item.key.as_str() {
            "router_id" => {
                if let Some(w) = c.word(item) {
                    out.router_id = Some(At::new(w.to_string(), item.line));
                }
            }
            "vrrp_version" => {
                if let Some(v) = c.int_in(item, 2, 3, "write `vrrp_version 2` or `vrrp_version 3`")
                {
                    out.vrrp_version = Some(At::new(v as u8, item.line));
                }
            }
            other => {
                if others.is_empty() {
                    first_other = item.line;
                }
                if !others.contains(&other) {
                    others.push(other);
                }
            }
        }
    }
    if !others.is_empty() {
        c.dropped(
            first_other,
            format!(
                "global_defs {} have no kubegate equivalent (mail alerts, script users and security are not needed)",
                others.join(", ")
            ),
        );
    }
}

fn script(c: &mut Ctx, item: &Item, block: &[Item]) -> Option<VrrpScript> {
    let Some(name) = item.args.first() else {
        c.error(
            item.line,
            "vrrp_script has no name; write it like `vrrp_script chk_apiserver {`",
        );
        return None;
    };
    let mut s = VrrpScript {
        name: name.clone(),
        line: item.line,
        command: None,
        interval: None,
        timeout: None,
        weight: None,
        rise: None,
        fall: None,
    };
    for i in block {
        match i.key.as_str() {
            "script" => {
                if i.args.is_empty() {
                    c.error(i.line, "script has no command; write it like `script \"/etc/keepalived/check.sh\"`");
                } else {
                    s.command = Some(i.args.join(" "));
                }
            }
            "interval" => s.interval = c.seconds(i, 1),
            "timeout" => s.timeout = c.seconds(i, 1),
            "weight" => {
                s.weight = c
                    .int_in(i, -253, 253, "use -253 to 253 (kubegate's range, keepalived semantics)")
                    .map(|w| w as i32);
                if i.args.get(1).is_some_and(|w| w == "reverse") {
                    c.error(i.line, "`weight … reverse` has no kubegate equivalent; invert the script's exit code instead");
                }
            }
            "rise" => s.rise = c.int_in(i, 1, 1000, "use 1 to 1000").map(|n| n as u32),
            "fall" => s.fall = c.int_in(i, 1, 1000, "use 1 to 1000").map(|n| n as u32),
            "user" => c.dropped(
                i.line,
                "vrrp_script user: kubegate runs scripts as its own user; make the script work for it",
            ),
            other => c.dropped(i.line, format!("vrrp_script {other} has no kubegate equivalent")),
        }
    }
    if s.command.is_none() {
        c.error(
            item.line,
            format!(
                "vrrp_script {} has no `script` line; add the command to run",
                s.name
            ),
        );
    }
    Some(s)
}
