//! The plan's words for keepalived parity settings of one VIP: several addresses that move
//! together, and the per-state notify programs.

use crate::model::Vip;

use super::and_list;

/// The VIP's addresses as written, `10.0.0.50/24` or `10.0.0.50/24 and 10.0.0.60/24`.
pub(crate) fn addresses(vip: &Vip) -> String {
    let all: Vec<String> = vip
        .addresses()
        .iter()
        .map(|(a, len)| format!("{a}/{len}"))
        .collect();
    and_list(&all)
}

/// What the node does with several addresses, and which programs run on which state.
pub(crate) fn lines(vip: &Vip) -> Vec<String> {
    let mut out = Vec::new();
    let n = vip.addresses().len();
    if n > 1 {
        let what = if vip.address.is_ipv4() {
            "a gratuitous ARP"
        } else {
            "an unsolicited neighbour advertisement"
        };
        out.push(format!(
            "The {n} addresses of VIP {} move together: the master adds them all and sends {what} \
             for each, every advert lists them all (RFC 5798 §5.2.9), and a node that gives the \
             VIP up resets the connections to each of them and removes them all.",
            vip.name
        ));
    }
    let on = &vip.notify_on;
    let runs: Vec<String> = [
        ("MASTER", &on.master),
        ("BACKUP", &on.backup),
        ("FAULT", &on.fault),
    ]
    .into_iter()
    .filter_map(|(state, p)| {
        p.as_ref()
            .map(|p| format!("{} on becoming {state}", p.display()))
    })
    .collect();
    if !runs.is_empty() {
        out.push(format!(
            "VIP {} runs {} (without arguments, as keepalived's notify_master / notify_backup / \
             notify_fault){}.",
            vip.name,
            and_list(&runs),
            match &vip.notify {
                Some(p) => format!(", besides {} on every change", p.display()),
                None => String::new(),
            }
        ));
    }
    out
}
