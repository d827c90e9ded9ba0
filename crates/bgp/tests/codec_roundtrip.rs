//! Property tests: every valid message survives emit → parse unchanged, every strict prefix
//! of its bytes is "need more" (never an error, never a message), and a flipped bit never
//! panics and yields either an error or a message that itself round-trips.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use bgp::wire::*;

fn v4_prefix() -> impl Strategy<Value = Prefix> {
    (any::<u32>(), 0u8..=32)
        .prop_map(|(a, l)| Prefix::new(IpAddr::V4(Ipv4Addr::from(a)), l).unwrap())
}

fn v6_prefix() -> impl Strategy<Value = Prefix> {
    (any::<u128>(), 0u8..=128)
        .prop_map(|(a, l)| Prefix::new(IpAddr::V6(Ipv6Addr::from(a)), l).unwrap())
}

fn unicast_v4() -> impl Strategy<Value = Ipv4Addr> {
    (1u32..0xe000_0000).prop_map(Ipv4Addr::from)
}

fn capability() -> impl Strategy<Value = Capability> {
    prop_oneof![
        (any::<u16>(), any::<u8>())
            .prop_map(|(afi, safi)| Capability::Multiprotocol(AfiSafi { afi, safi })),
        Just(Capability::RouteRefresh),
        any::<u32>().prop_map(Capability::FourOctetAs),
        (
            any::<bool>(),
            any::<bool>(),
            0u16..0x1000,
            prop::collection::vec((any::<u16>(), any::<u8>(), any::<bool>()), 0..4)
        )
            .prop_map(|(restarting, notification, restart_time, fams)| {
                Capability::GracefulRestart {
                    restarting,
                    notification,
                    restart_time,
                    families: fams
                        .into_iter()
                        .map(|(afi, safi, f)| GrFamily {
                            afi_safi: AfiSafi { afi, safi },
                            forwarding_preserved: f,
                        })
                        .collect(),
                }
            }),
        (3u8..64, prop::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(code, value)| Capability::Unknown { code, value }),
    ]
}

fn open() -> impl Strategy<Value = Message> {
    (
        any::<u16>(),
        any::<u16>().prop_filter("RFC 4271 §6.2", |h| *h != 1 && *h != 2),
        1u32..,
        prop::collection::vec(capability(), 0..12),
    )
        .prop_map(|(my_as, hold_time, id, capabilities)| {
            Message::Open(Open {
                my_as,
                hold_time,
                bgp_id: Ipv4Addr::from(id),
                capabilities,
            })
        })
}

fn raw_attributes() -> impl Strategy<Value = Vec<RawAttribute>> {
    // Unknown optional codes (RFC 4271 §5), with the transitive and partial bits drawn.
    prop::collection::btree_map(
        prop_oneof![20u8..32, 33u8..=255],
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(any::<u8>(), 0..12),
        ),
        0..3,
    )
    .prop_map(|m: BTreeMap<u8, (bool, bool, Vec<u8>)>| {
        m.into_iter()
            .map(|(code, (t, p, value))| RawAttribute {
                flags: 0x80 | if t { 0x40 } else { 0 } | if p { 0x20 } else { 0 },
                code,
                value,
            })
            .collect()
    })
}

fn update(four_octet: bool) -> impl Strategy<Value = Message> {
    let asn = if four_octet {
        any::<u32>().boxed()
    } else {
        (0u32..=65535).boxed()
    };
    let segment =
        (any::<bool>(), prop::collection::vec(asn, 1..8)).prop_map(|(set, asns)| Segment {
            kind: if set {
                SegmentKind::Set
            } else {
                SegmentKind::Sequence
            },
            asns,
        });
    (
        prop::collection::vec(v4_prefix(), 0..6),
        prop::collection::vec(v4_prefix(), 0..6),
        (
            prop::option::of(prop_oneof![
                Just(Origin::Igp),
                Just(Origin::Egp),
                Just(Origin::Incomplete)
            ]),
            prop::option::of(prop::collection::vec(segment, 0..4)),
            prop::option::of(unicast_v4()),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
        ),
        (
            prop::collection::vec(any::<u32>(), 0..5),
            prop::collection::vec(any::<(u32, u32, u32)>(), 0..3),
            prop::option::of((
                any::<u128>(),
                prop::option::of(any::<u128>()),
                prop::collection::vec(v6_prefix(), 0..5),
            )),
            prop::option::of((
                any::<bool>(),
                prop::collection::vec(v6_prefix(), 0..5),
                prop::collection::vec(v4_prefix(), 0..5),
            )),
            raw_attributes(),
        ),
    )
        .prop_map(
            |(
                withdrawn,
                nlri,
                (origin, as_path, next_hop, med, local_pref),
                (communities, large, reach, unreach, other),
            )| {
                let mut a = PathAttributes {
                    origin,
                    as_path,
                    next_hop,
                    med,
                    local_pref,
                    communities,
                    large_communities: large
                        .into_iter()
                        .map(|(global, local1, local2)| LargeCommunity {
                            global,
                            local1,
                            local2,
                        })
                        .collect(),
                    mp_reach: reach.map(|(g, ll, nlri)| MpReach {
                        next_hop: Ipv6NextHop {
                            global: Ipv6Addr::from(g),
                            link_local: ll.map(Ipv6Addr::from),
                        },
                        nlri,
                    }),
                    mp_unreach: unreach.map(|(v6, p6, p4)| MpUnreach {
                        family: if v6 {
                            Family::Ipv6Unicast
                        } else {
                            Family::Ipv4Unicast
                        },
                        withdrawn: if v6 { p6 } else { p4 },
                    }),
                    other,
                };
                // RFC 4271 §6.3: announcing needs ORIGIN, AS_PATH (and NEXT_HOP for IPv4).
                let announces =
                    !nlri.is_empty() || a.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
                if announces {
                    a.origin.get_or_insert(Origin::Igp);
                    a.as_path.get_or_insert_with(Vec::new);
                }
                if !nlri.is_empty() {
                    a.next_hop.get_or_insert(Ipv4Addr::new(198, 18, 0, 1));
                }
                Message::Update(Update {
                    withdrawn,
                    attributes: a,
                    nlri,
                    treat_as_withdraw: None,
                })
            },
        )
}

fn other_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        Just(Message::Keepalive),
        (
            any::<u8>(),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(c, subcode, data)| Message::Notification(Notification {
                code: ErrorCode::from_u8(c),
                subcode,
                data
            })),
        (any::<u16>(), any::<u8>(), any::<u8>()).prop_map(|(afi, subtype, safi)| {
            Message::RouteRefresh(RouteRefresh { afi, subtype, safi })
        }),
    ]
}

fn case() -> impl Strategy<Value = (Message, Ctx)> {
    any::<bool>().prop_flat_map(|four| {
        let ctx = if four {
            Ctx::FOUR_OCTET_AS
        } else {
            Ctx::TWO_OCTET_AS
        };
        (
            prop_oneof![open(), update(four), other_message()],
            Just(ctx),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn emit_then_parse_is_identity((message, ctx) in case()) {
        let bytes = match message.to_bytes(ctx) {
            Ok(b) => b,
            Err(EmitError::TooLong) => return Ok(()),
            Err(e) => panic!("{e}"),
        };
        prop_assert!(bytes.len() <= MAX_MESSAGE_LEN);
        let (parsed, used) = Message::parse_with(&bytes, ctx).expect("parses");
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(parsed, message);
    }

    #[test]
    fn every_strict_prefix_needs_more((message, ctx) in case()) {
        let Ok(bytes) = message.to_bytes(ctx) else { return Ok(()) };
        for cut in 0..bytes.len() {
            let needed = match Message::parse_with(&bytes[..cut], ctx) {
                Err(Error::Incomplete { needed }) => needed,
                other => panic!("cut at {cut}: {other:?}"),
            };
            let expect = if cut < HEADER_LEN { HEADER_LEN - cut } else { bytes.len() - cut };
            prop_assert_eq!(needed, expect);
        }
    }

    #[test]
    fn a_flipped_bit_never_panics_and_what_parses_round_trips(
        (message, ctx) in case(), at in any::<prop::sample::Index>(), bit in 0u8..8
    ) {
        let Ok(mut bytes) = message.to_bytes(ctx) else { return Ok(()) };
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let selector = u8::from(!ctx.four_octet_as);
        let mut input = vec![selector];
        input.extend_from_slice(&bytes);
        bgp::wire::fuzz_parse(&input);
    }
}
