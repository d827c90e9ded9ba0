//! What one keepalived file says, as read: global settings, `vrrp_script`s and
//! `vrrp_instance`s with the line of every value, before the files of the nodes are merged.

use std::net::IpAddr;
use std::time::Duration;

use super::super::draft::Note;

/// A value and the 1-based line it was written on.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub line: usize,
}

impl<T> At<T> {
    pub fn new(value: T, line: usize) -> Self {
        Self { value, line }
    }
}

/// One keepalived file, read. Notes (dropped settings, syntax problems) are inside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeepalivedFile {
    /// The file's name as given (used in every note).
    pub file: String,
    /// `global_defs { router_id }`.
    pub router_id: Option<At<String>>,
    /// `global_defs { vrrp_version }`.
    pub vrrp_version: Option<At<u8>>,
    pub scripts: Vec<VrrpScript>,
    pub instances: Vec<Instance>,
    /// `vrrp_sync_group NAME { group { INSTANCE … } }`.
    pub sync_groups: Vec<SyncGroup>,
    pub notes: Vec<Note>,
}

/// A `vrrp_sync_group`: its name and the instance names of its `group { }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncGroup {
    pub name: String,
    pub line: usize,
    pub instances: Vec<String>,
}

/// `vrrp_script NAME { … }`; `None` = not written (keepalived's default applies).
#[derive(Debug, Clone, PartialEq)]
pub struct VrrpScript {
    pub name: String,
    pub line: usize,
    pub command: Option<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub weight: Option<i32>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
}

/// `auth_type` of `authentication { }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    Pass,
    Ah,
}

/// One line of `virtual_ipaddress { }`: `A[/len] [dev IF] [label L]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualAddress {
    /// As written (`10.0.0.50/24`), checked to parse.
    pub text: String,
    pub ip: IpAddr,
    pub dev: Option<String>,
    pub label: Option<String>,
    pub line: usize,
}

/// A `track_script` / `track_interface` entry: the name and its optional `weight`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRef {
    pub name: String,
    pub weight: Option<i32>,
    pub line: usize,
}

/// `vrrp_instance NAME { … }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    pub name: String,
    pub line: usize,
    /// `state MASTER|BACKUP`, as written.
    pub state: Option<At<String>>,
    pub interface: Option<At<String>>,
    pub vrid: Option<At<u8>>,
    pub priority: Option<At<u8>>,
    pub advert_int: Option<At<Duration>>,
    pub version: Option<At<u8>>,
    /// The line of `nopreempt`.
    pub nopreempt: Option<usize>,
    pub preempt_delay: Option<At<Duration>>,
    pub auth_type: Option<At<AuthType>>,
    pub auth_pass: Option<At<String>>,
    pub unicast_src_ip: Option<At<IpAddr>>,
    pub mcast_src_ip: Option<At<IpAddr>>,
    /// `unicast_peer { }`; the line of the keyword, and each peer.
    pub unicast_peers: Option<At<Vec<IpAddr>>>,
    pub addresses: Vec<VirtualAddress>,
    pub track_scripts: Vec<TrackRef>,
    pub track_interfaces: Vec<TrackRef>,
    pub notify: Option<At<String>>,
    /// `notify_master` / `notify_backup` / `notify_fault`, as written.
    pub notify_master: Option<At<String>>,
    pub notify_backup: Option<At<String>>,
    pub notify_fault: Option<At<String>>,
}
