//! The body of the `parse` fuzz target, kept in the crate so an ordinary test can run it over
//! a seed corpus and generated inputs: whatever the bytes, parsing must not panic, and what
//! parses must re-emit to bytes that parse back to the same advertisement and checksum form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{AdvertRepr, Family, Packet};

/// Takes an address of the selected family off the front of `data`.
fn take_addr(data: &[u8], ipv6: bool) -> Option<(IpAddr, &[u8])> {
    if ipv6 {
        let (head, rest) = data.split_first_chunk::<16>()?;
        Some((IpAddr::V6(Ipv6Addr::from(*head)), rest))
    } else {
        let (head, rest) = data.split_first_chunk::<4>()?;
        Some((IpAddr::V4(Ipv4Addr::from(*head)), rest))
    }
}

/// Input layout: one selector byte (bit 0: source is IPv6; bit 1: destination is IPv6), the
/// source and destination addresses, then the VRRP message. Too-short inputs are ignored.
///
/// # Panics
/// When the codec breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_parse(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Some((src, rest)) = take_addr(rest, selector & 1 != 0) else {
        return;
    };
    let Some((dst, payload)) = take_addr(rest, selector & 2 != 0) else {
        return;
    };

    // The view's accessors must be in bounds on anything `new_checked` accepts.
    if let Ok(view) = Packet::new_checked(payload, Family::of(&src)) {
        let _ = (
            view.version(),
            view.msg_type(),
            view.vrid(),
            view.priority(),
        );
        let _ = (
            view.auth_type(),
            view.adver_int_secs(),
            view.max_adver_int(),
            view.checksum(),
        );
        for index in 0..usize::from(view.addr_count()) {
            assert!(
                view.address(index).is_some(),
                "checked view lacks address {index}"
            );
        }
    }

    let Ok((repr, form)) = AdvertRepr::parse(payload, src, dst) else {
        return;
    };
    assert_eq!(
        repr.buffer_len(),
        payload.len(),
        "parsed length differs: {repr:?}"
    );
    let bytes = match repr.to_bytes(src, dst, form) {
        Ok(bytes) => bytes,
        Err(e) => panic!("parsed advert does not re-emit ({e}): {repr:?}"),
    };
    assert_eq!(bytes.len(), payload.len());
    match AdvertRepr::parse(&bytes, src, dst) {
        Ok(again) => assert_eq!(again, (repr, form), "round trip changed the advert"),
        Err(e) => panic!("re-emitted advert does not parse ({e}): {repr:?}"),
    }
}
