//! Byte vectors shared by the codec tests: messages captured from FRR bgpd 8.4.4
//! (`frr-vectors.txt`, made by `capture-frr.sh`) and GoBGP 3.10.0 (`gobgp-vectors.txt`,
//! `capture-gobgp.sh`), and helpers to build messages by hand.
#![allow(dead_code)]

/// The captured messages, by name (`open-1`, `update-3`, ...), in the order received.
pub fn frr() -> Vec<(&'static str, Vec<u8>)> {
    captured(include_str!("frr-vectors.txt"))
}

pub fn gobgp() -> Vec<(&'static str, Vec<u8>)> {
    captured(include_str!("gobgp-vectors.txt"))
}

pub fn gobgp_vector(name: &str) -> Vec<u8> {
    gobgp()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no captured vector {name}"))
        .1
}

/// The messages of one implementation's capture up to its second connection.
pub fn first_connection(all: Vec<(&'static str, Vec<u8>)>) -> Vec<u8> {
    all.into_iter()
        .take_while(|(n, _)| *n != "open-2")
        .flat_map(|(_, b)| b)
        .collect()
}

fn captured(text: &'static str) -> Vec<(&'static str, Vec<u8>)> {
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, hex)| (name, unhex(hex)))
        .collect()
}

pub fn frr_vector(name: &str) -> Vec<u8> {
    frr()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no captured vector {name}"))
        .1
}

pub fn unhex(hex: &str) -> Vec<u8> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A whole message: marker, length, type, body (RFC 4271 §4.1).
pub fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0xff; 16];
    m.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    m.push(kind);
    m.extend_from_slice(body);
    m
}

/// An UPDATE body from its three parts (RFC 4271 §4.3).
pub fn update_body(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
    let mut b = (withdrawn.len() as u16).to_be_bytes().to_vec();
    b.extend_from_slice(withdrawn);
    b.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
    b.extend_from_slice(attrs);
    b.extend_from_slice(nlri);
    b
}

pub fn update(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
    message(2, &update_body(withdrawn, attrs, nlri))
}

/// ORIGIN IGP, AS_PATH (4-octet) SEQUENCE [64500], NEXT_HOP 198.18.0.2: the well-known
/// attributes an external IPv4 announcement needs.
pub fn mandatory_v4() -> Vec<u8> {
    unhex("40010100 4002060201 0000fbf4 400304c6120002")
}

/// An OPEN body: version 4, AS, hold, id, then the optional parameters.
pub fn open_body(version: u8, asn: u16, hold: u16, id: [u8; 4], params: &[u8]) -> Vec<u8> {
    let mut b = vec![version];
    b.extend_from_slice(&asn.to_be_bytes());
    b.extend_from_slice(&hold.to_be_bytes());
    b.extend_from_slice(&id);
    b.push(params.len() as u8);
    b.extend_from_slice(params);
    b
}
