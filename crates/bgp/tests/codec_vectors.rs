//! Byte-exact vectors: messages captured from FRR bgpd 8.4.4 and GoBGP 3.10.0, and messages
//! built by hand from the RFC layouts. Malformed input is in codec_negative.rs.

#[path = "vectors/mod.rs"]
mod vectors;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bgp::wire::*;
use vectors::*;

fn parse(bytes: &[u8]) -> Message {
    let (m, used) = Message::parse(bytes).expect("parses");
    assert_eq!(used, bytes.len());
    m
}

fn p(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(a.parse().unwrap(), l.parse().unwrap()).unwrap()
}

fn reemits(m: &Message, bytes: &[u8]) {
    assert_eq!(m.to_bytes(Ctx::FOUR_OCTET_AS).unwrap(), bytes);
}

// ---- captured from FRR bgpd 8.4.4 ----------------------------------------------------

#[test]
fn frr_every_captured_message_parses_and_round_trips() {
    let all = frr();
    assert!(all.len() >= 10, "the capture holds the whole exchange");
    for (name, bytes) in all {
        let (m, used) = Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(used, bytes.len(), "{name}");
        let again = m.to_bytes(Ctx::FOUR_OCTET_AS).unwrap();
        assert_eq!(parse(&again), m, "{name} survives emit -> parse");
    }
}

#[test]
fn frr_open_carries_its_capabilities() {
    let Message::Open(open) = parse(&frr_vector("open-1")) else {
        panic!("not an OPEN")
    };
    assert_eq!(open.my_as, 64512);
    assert_eq!(open.asn(), 64512);
    assert_eq!(open.hold_time, 9, "`timers 3 9`");
    assert_eq!(open.bgp_id, Ipv4Addr::new(198, 18, 0, 1));
    let caps = &open.capabilities;
    let mp = |afi, safi| Capability::Multiprotocol(AfiSafi { afi, safi });
    assert!(caps.contains(&mp(1, 1)));
    assert!(caps.contains(&mp(2, 1)));
    assert!(caps.contains(&Capability::RouteRefresh));
    assert!(caps.contains(&Capability::FourOctetAs(64512)));
    let gr = caps
        .iter()
        .find_map(|c| match c {
            Capability::GracefulRestart {
                restarting,
                restart_time,
                families,
                ..
            } => Some((*restarting, *restart_time, families.len())),
            _ => None,
        })
        .expect("`bgp graceful-restart` advertises the capability");
    assert_eq!(
        gr,
        (true, 120, 2),
        "R bit after a start, 120 s, IPv4 and IPv6"
    );
    // FRR also sends capabilities this crate does not decode (extended message, ADD-PATH,
    // FQDN, enhanced and Cisco route refresh, long-lived GR): kept as they came.
    let unknown: Vec<u8> = caps
        .iter()
        .filter_map(|c| match c {
            Capability::Unknown { code, .. } => Some(*code),
            _ => None,
        })
        .collect();
    for code in [6, 69, 70, 71, 73, 128] {
        assert!(unknown.contains(&code), "capability {code}: {unknown:?}");
    }
}

#[test]
fn frr_end_of_rib_markers_are_recognized_and_reemit_byte_exact() {
    let v4 = frr_vector("update-1");
    let Message::Update(u) = parse(&v4) else {
        panic!()
    };
    assert_eq!(u.end_of_rib_family(), Some(Family::Ipv4Unicast));
    assert_eq!(u, Update::end_of_rib(Family::Ipv4Unicast));
    reemits(&Message::Update(u), &v4);

    let v6 = frr_vector("update-2");
    let Message::Update(u) = parse(&v6) else {
        panic!()
    };
    assert_eq!(u.end_of_rib_family(), Some(Family::Ipv6Unicast));
    assert_eq!(u, Update::end_of_rib(Family::Ipv6Unicast));
    reemits(&Message::Update(u), &v6);
}

fn frr_attributes() -> PathAttributes {
    PathAttributes {
        origin: Some(Origin::Igp),
        as_path: Some(vec![Segment {
            kind: SegmentKind::Sequence,
            asns: vec![64512],
        }]),
        med: Some(50),
        communities: vec![64512 << 16 | 100],
        large_communities: vec![LargeCommunity {
            global: 64512,
            local1: 1,
            local2: 1,
        }],
        ..PathAttributes::default()
    }
}

#[test]
fn frr_ipv4_announcement_with_med_and_both_communities() {
    let bytes = frr_vector("update-3");
    let Message::Update(u) = parse(&bytes) else {
        panic!()
    };
    let expected = Update {
        nlri: vec![p("198.18.10.50/32")],
        attributes: PathAttributes {
            next_hop: Some(Ipv4Addr::new(127, 0, 0, 1)),
            ..frr_attributes()
        },
        ..Update::default()
    };
    assert_eq!(u, expected);
    // FRR sets the extended-length bit on AS_PATH (0x50); this crate uses it only when a
    // value exceeds 255 octets (RFC 4271 §4.3), so the re-emitted form is one octet shorter
    // and otherwise equal.
    let mut canonical = bytes.clone();
    let at = canonical
        .windows(4)
        .position(|w| w == [0x50, 0x02, 0x00, 0x06])
        .expect("FRR's AS_PATH");
    canonical.splice(at..at + 4, [0x40, 0x02, 0x06]);
    canonical[17] -= 1; // message length
    canonical[22] -= 1; // total path attribute length
    reemits(&Message::Update(u), &canonical);
    // The route refresh answer repeats the announcement byte for byte.
    assert_eq!(frr_vector("update-5"), bytes);
}

#[test]
fn frr_ipv6_announcement_over_ipv4_transport_uses_a_mapped_next_hop() {
    let Message::Update(u) = parse(&frr_vector("update-4")) else {
        panic!()
    };
    let expected = Update {
        attributes: PathAttributes {
            mp_reach: Some(MpReach {
                next_hop: Ipv6NextHop {
                    global: "::ffff:127.0.0.1".parse().unwrap(),
                    link_local: None,
                },
                nlri: vec![p("2001:db8::50/128")],
            }),
            ..frr_attributes()
        },
        ..Update::default()
    };
    assert_eq!(u, expected);
}

#[test]
fn frr_notifications_bad_peer_as_and_lost_sync() {
    let Message::Notification(n) = parse(&frr_vector("notification-1")) else {
        panic!()
    };
    assert_eq!((n.code, n.subcode), (ErrorCode::OpenMessage, 2));
    assert_eq!(
        n.data,
        64999u16.to_be_bytes(),
        "FRR names the AS it refused"
    );
    let Message::Notification(n) = parse(&frr_vector("notification-2")) else {
        panic!()
    };
    assert_eq!((n.code, n.subcode), (ErrorCode::MessageHeader, 1));
    assert!(n.data.is_empty());
    assert_eq!(
        Invalid::BadMarker.notification().to_bytes_for_test(),
        frr_vector("notification-2")
    );
}

trait ForTest {
    fn to_bytes_for_test(self) -> Vec<u8>;
}
impl ForTest for Notification {
    fn to_bytes_for_test(self) -> Vec<u8> {
        Message::Notification(self)
            .to_bytes(Ctx::default())
            .unwrap()
    }
}

#[test]
fn frr_keepalive_is_the_bare_header() {
    let bytes = frr_vector("keepalive-1");
    assert_eq!(parse(&bytes), Message::Keepalive);
    reemits(&Message::Keepalive, &bytes);
}

// ---- captured from GoBGP 3.10.0 ---------------------------------------------------------

#[test]
fn gobgp_every_captured_message_parses_and_round_trips() {
    let all = gobgp();
    assert!(all.len() >= 9);
    for (name, bytes) in all {
        let m = parse(&bytes);
        assert_eq!(parse(&m.to_bytes(Ctx::FOUR_OCTET_AS).unwrap()), m, "{name}");
    }
}

#[test]
fn gobgp_open_with_helper_graceful_restart_and_extended_next_hop() {
    let Message::Open(open) = parse(&gobgp_vector("open-1")) else {
        panic!()
    };
    assert_eq!((open.my_as, open.hold_time), (64512, 9));
    assert!(open.capabilities.contains(&Capability::RouteRefresh));
    assert!(open.capabilities.contains(&Capability::GracefulRestart {
        restarting: false,
        notification: false,
        restart_time: 120,
        families: vec![],
    }));
    // RFC 8950 extended next hop (code 5) and the FQDN capability (73): kept raw.
    for code in [5, 73] {
        assert!(open
            .capabilities
            .iter()
            .any(|c| matches!(c, Capability::Unknown { code: k, .. } if *k == code)));
    }
}

#[test]
fn gobgp_updates_reemit_byte_exact() {
    // GoBGP orders attributes by type code and uses the short length form, as we do.
    for name in ["update-1", "update-2", "update-3", "update-4"] {
        let bytes = gobgp_vector(name);
        reemits(&parse(&bytes), &bytes);
    }
    let Message::Update(v4) = parse(&gobgp_vector("update-1")) else {
        panic!()
    };
    assert_eq!(v4.nlri, [p("198.18.10.50/32")]);
    assert_eq!(
        v4.attributes.origin,
        Some(Origin::Incomplete),
        "added by the CLI"
    );
    assert_eq!(v4.attributes.communities, [64512 << 16 | 100]);
    let Message::Update(v6) = parse(&gobgp_vector("update-3")) else {
        panic!()
    };
    let reach = v6.attributes.mp_reach.unwrap();
    assert_eq!(reach.nlri, [p("2001:db8::50/128")]);
    assert_eq!(
        reach.next_hop.global,
        "2001:db8::1".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(v6.attributes.large_communities.len(), 1);
    let eor = |n| match parse(&gobgp_vector(n)) {
        Message::Update(u) => u.end_of_rib_family(),
        _ => None,
    };
    assert_eq!(eor("update-2"), Some(Family::Ipv4Unicast));
    assert_eq!(eor("update-4"), Some(Family::Ipv6Unicast));
}

// ---- built by hand from the RFC layouts ------------------------------------------------

#[test]
fn keepalive_vector() {
    // RFC 4271 §4.4: a header only, length 19, type 4.
    let bytes = unhex("ffffffffffffffffffffffffffffffff 0013 04");
    reemits(&Message::Keepalive, &bytes);
}

#[test]
fn open_vector_with_every_capability_we_send() {
    let bytes = unhex(
        "ffffffffffffffffffffffffffffffff 0037 01
         04 fc00 005a c6120001 1a
         02 18
            01 04 0001 00 01
            01 04 0002 00 01
            02 00
            40 02 0078
            41 04 0000fc00",
    );
    let open = Open {
        my_as: 64512,
        hold_time: 90,
        bgp_id: Ipv4Addr::new(198, 18, 0, 1),
        capabilities: vec![
            Capability::Multiprotocol(AfiSafi { afi: 1, safi: 1 }),
            Capability::Multiprotocol(AfiSafi { afi: 2, safi: 1 }),
            Capability::RouteRefresh,
            Capability::GracefulRestart {
                restarting: false,
                notification: false,
                restart_time: 120,
                families: vec![],
            },
            Capability::FourOctetAs(64512),
        ],
    };
    assert_eq!(parse(&bytes), Message::Open(open.clone()));
    reemits(&Message::Open(open), &bytes);
}

#[test]
fn open_vector_with_a_four_octet_as_behind_as_trans() {
    // RFC 6793 §4.1: AS 4200000001 = 0xfa56ea01; the 2-octet field says AS_TRANS 23456.
    let bytes = unhex(
        "ffffffffffffffffffffffffffffffff 0025 01
         04 5ba0 0009 c6120002 08
         02 06 41 04 fa56ea01",
    );
    let Message::Open(open) = parse(&bytes) else {
        panic!()
    };
    assert_eq!(open.my_as, AS_TRANS);
    assert_eq!(open.asn(), 4_200_000_001);
    reemits(&Message::Open(open), &bytes);
}

#[test]
fn open_vector_with_capabilities_in_separate_parameters_and_gr_families() {
    // RFC 5492 §4: one capability per parameter is as valid as all in one.
    // RFC 4724 §3: R bit, restart time 300 (0x12c), IPv6 unicast with the F bit.
    let bytes = unhex(
        "ffffffffffffffffffffffffffffffff 002b 01
         04 fbf4 00b4 c6120002 0e
         02 02 02 00
         02 08 40 06 812c 0002 01 80",
    );
    let Message::Open(open) = parse(&bytes) else {
        panic!()
    };
    assert_eq!(
        open.capabilities,
        vec![
            Capability::RouteRefresh,
            Capability::GracefulRestart {
                restarting: true,
                notification: false,
                restart_time: 300,
                families: vec![GrFamily {
                    afi_safi: AfiSafi { afi: 2, safi: 1 },
                    forwarding_preserved: true,
                }],
            },
        ]
    );
    assert_eq!(open.hold_time, 180);
}

#[test]
fn update_vector_ipv4_ebgp_announcement() {
    // What this crate sends for 198.18.10.50/32 with FRR's attributes: flags 0x40 well-known
    // transitive, 0x80 optional non-transitive (MED), 0xc0 optional transitive.
    let attrs = unhex(
        "40 01 01 00
         40 02 06 02 01 0000fc00
         40 03 04 c6120001
         80 04 04 00000032
         c0 08 04 fc000064
         c0 20 0c 0000fc00 00000001 00000001",
    );
    let bytes = update(&[], &attrs, &unhex("20 c6120a32"));
    assert_eq!(bytes.len(), 23 + attrs.len() + 5);
    let u = Update {
        nlri: vec![p("198.18.10.50/32")],
        attributes: PathAttributes {
            next_hop: Some(Ipv4Addr::new(198, 18, 0, 1)),
            ..frr_attributes()
        },
        ..Update::default()
    };
    assert_eq!(parse(&bytes), Message::Update(u.clone()));
    reemits(&Message::Update(u), &bytes);
}

#[test]
fn update_vector_ipv6_with_global_and_link_local_next_hop_and_local_pref() {
    // RFC 4760 §3 with RFC 2545 §3's 32-octet next hop; iBGP: empty AS_PATH, LOCAL_PREF 200.
    let reach = unhex(
        "0002 01 20
         20010db8000000000000000000000001
         fe800000000000000000000000000001
         00
         80 20010db8000000000000000000000050
         40 20010db800000000",
    );
    let mut attrs = unhex("40 01 01 00  40 02 00  40 05 04 000000c8");
    attrs.extend_from_slice(&[0x80, 0x0e, reach.len() as u8]);
    attrs.extend_from_slice(&reach);
    let bytes = update(&[], &attrs, &[]);
    let u = Update {
        attributes: PathAttributes {
            origin: Some(Origin::Igp),
            as_path: Some(vec![]),
            local_pref: Some(200),
            mp_reach: Some(MpReach {
                next_hop: Ipv6NextHop {
                    global: "2001:db8::1".parse().unwrap(),
                    link_local: Some("fe80::1".parse().unwrap()),
                },
                nlri: vec![p("2001:db8::50/128"), p("2001:db8::/64")],
            }),
            ..PathAttributes::default()
        },
        ..Update::default()
    };
    assert_eq!(parse(&bytes), Message::Update(u.clone()));
    reemits(&Message::Update(u), &bytes);
}

#[test]
fn update_vector_withdrawals_in_both_families() {
    // IPv4 in Withdrawn Routes (RFC 4271 §4.3), IPv6 in MP_UNREACH_NLRI (RFC 4760 §4).
    let bytes = update(
        &unhex("20 c6120a32 18 c61214"),
        &unhex("80 0f 14 0002 01 80 20010db8000000000000000000000050"),
        &[],
    );
    assert_eq!(bytes.len(), 19 + 2 + 9 + 2 + 23);
    let u = Update {
        withdrawn: vec![p("198.18.10.50/32"), p("198.18.20.0/24")],
        attributes: PathAttributes {
            mp_unreach: Some(MpUnreach {
                family: Family::Ipv6Unicast,
                withdrawn: vec![p("2001:db8::50/128")],
            }),
            ..PathAttributes::default()
        },
        ..Update::default()
    };
    assert_eq!(parse(&bytes), Message::Update(u.clone()));
    assert_eq!(u.end_of_rib_family(), None);
    reemits(&Message::Update(u), &bytes);
}

#[test]
fn update_vector_as_set_and_two_octet_as_path() {
    // RFC 4271 §4.3: SEQUENCE [64500, 65001] then SET {100, 200}, 2-octet numbers.
    let attrs = unhex(
        "40 01 01 02
         40 02 0c 02 02 fbf4 fde9 01 02 0064 00c8
         40 03 04 c6120002",
    );
    let bytes = update(&[], &attrs, &unhex("00"));
    let (m, _) = Message::parse_with(&bytes, Ctx::TWO_OCTET_AS).unwrap();
    let Message::Update(u) = &m else { panic!() };
    assert_eq!(u.attributes.origin, Some(Origin::Incomplete));
    assert_eq!(
        u.attributes.as_path,
        Some(vec![
            Segment {
                kind: SegmentKind::Sequence,
                asns: vec![64500, 65001]
            },
            Segment {
                kind: SegmentKind::Set,
                asns: vec![100, 200]
            },
        ])
    );
    assert_eq!(u.nlri, vec![p("0.0.0.0/0")]);
    assert_eq!(m.to_bytes(Ctx::TWO_OCTET_AS).unwrap(), bytes);
}

#[test]
fn update_vector_unknown_optional_transitive_attribute_is_kept() {
    // RFC 4271 §5: an unrecognized optional transitive attribute is passed on (with the
    // Partial bit); here code 99, flags 0xe0.
    let mut attrs = mandatory_v4();
    attrs.extend_from_slice(&unhex("e0 63 02 abcd"));
    let bytes = update(&[], &attrs, &unhex("18 c6120a"));
    let Message::Update(u) = parse(&bytes) else {
        panic!()
    };
    assert_eq!(
        u.attributes.other,
        vec![RawAttribute {
            flags: 0xe0,
            code: 99,
            value: vec![0xab, 0xcd]
        }]
    );
    assert_eq!(u.treat_as_withdraw, None);
    reemits(&Message::Update(u), &bytes);
}

#[test]
fn extended_length_attribute_is_read_and_written_when_needed() {
    // RFC 4271 §4.3: bit 0x10 gives a 2-octet length. 70 communities = 280 octets > 255.
    let communities: Vec<u32> = (0..70).map(|i| 64512 << 16 | i).collect();
    let mut value = Vec::new();
    for c in &communities {
        value.extend_from_slice(&c.to_be_bytes());
    }
    let mut attrs = mandatory_v4();
    attrs.extend_from_slice(&[0xd0, 0x08, 0x01, 0x18]);
    attrs.extend_from_slice(&value);
    let bytes = update(&[], &attrs, &unhex("20 c6120a32"));
    let Message::Update(u) = parse(&bytes) else {
        panic!()
    };
    assert_eq!(u.attributes.communities, communities);
    reemits(&Message::Update(u), &bytes);
}

#[test]
fn notification_and_route_refresh_vectors() {
    let hold = unhex("ffffffffffffffffffffffffffffffff 0015 03 04 00");
    let n = Notification::new(ErrorCode::HoldTimerExpired, 0);
    assert_eq!(parse(&hold), Message::Notification(n.clone()));
    reemits(&Message::Notification(n), &hold);

    let cease = unhex("ffffffffffffffffffffffffffffffff 001a 03 06 02 04 62796521");
    let Message::Notification(n) = parse(&cease) else {
        panic!()
    };
    assert_eq!(
        (n.code, n.subcode, &n.data[..]),
        (ErrorCode::Cease, 2, &b"\x04bye!"[..])
    );

    let rr = unhex("ffffffffffffffffffffffffffffffff 0017 05 0002 00 01");
    let r = RouteRefresh {
        afi: 2,
        subtype: 0,
        safi: 1,
    };
    assert_eq!(parse(&rr), Message::RouteRefresh(r));
    reemits(&Message::RouteRefresh(r), &rr);
}

#[test]
fn prefixes_clear_host_bits_and_encode_only_significant_octets() {
    // RFC 4271 §4.3: 198.18.10.255/20 takes 3 octets and means 198.18.0.0/20.
    let prefix = Prefix::new(IpAddr::V4(Ipv4Addr::new(198, 18, 10, 255)), 20).unwrap();
    assert_eq!(prefix.addr(), IpAddr::V4(Ipv4Addr::new(198, 18, 0, 0)));
    let mut out = Vec::new();
    prefix.emit(&mut out);
    assert_eq!(out, unhex("14 c61200"));
    assert_eq!(prefix.wire_len(), 4);
    assert!(Prefix::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 33).is_none());
    assert!(Prefix::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 129).is_none());
    assert_eq!(Prefix::host("2001:db8::1".parse().unwrap()).len(), 128);
    // Trailing bits set on the wire are dropped when parsing.
    let bytes = update(&[], &mandatory_v4(), &unhex("14 c6120f"));
    let Message::Update(u) = parse(&bytes) else {
        panic!()
    };
    assert_eq!(u.nlri, vec![p("198.18.0.0/20")]);
}

#[test]
fn a_stream_of_messages_parses_one_after_another() {
    let mut stream = frr_vector("open-1");
    stream.extend(frr_vector("keepalive-1"));
    stream.extend(frr_vector("update-3"));
    let mut at = 0;
    let mut kinds = Vec::new();
    loop {
        match Message::parse(&stream[at..]) {
            Ok((m, used)) => {
                kinds.push(m.type_code());
                at += used;
            }
            Err(Error::Incomplete { needed }) => {
                assert_eq!(needed, 19, "an empty buffer needs a header");
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(kinds, [1, 4, 2]);
}
