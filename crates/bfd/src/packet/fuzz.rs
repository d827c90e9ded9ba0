//! The body of the `parse` fuzz target, kept in the crate so an ordinary test can run it over
//! a seed corpus and generated inputs: whatever the bytes, parsing must not panic, and what
//! parses must re-emit to the packet's own bytes (up to Length, reserved bytes of the keyed
//! authentication forms zeroed) and parse back to the same representation.

use super::{Auth, ControlRepr, Packet};

/// Parses `data` as one control packet (the UDP payload).
///
/// # Panics
/// When the codec breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_parse(data: &[u8]) {
    // The view's accessors must be in bounds on anything `new_checked` accepts.
    if let Ok(view) = Packet::new_checked(data) {
        let _ = (view.version(), view.diag(), view.state(), view.flags());
        let _ = (view.detect_mult(), view.my_discr(), view.your_discr());
        let _ = (
            view.desired_min_tx_us(),
            view.required_min_rx_us(),
            view.required_min_echo_rx_us(),
        );
        assert!(
            view.auth_section().is_some(),
            "checked view lacks its section"
        );
    }

    let Ok(repr) = ControlRepr::parse(data) else {
        return;
    };
    let bytes = match repr.to_bytes() {
        Ok(bytes) => bytes,
        Err(e) => panic!("parsed packet does not re-emit ({e}): {repr:?}"),
    };
    assert_eq!(bytes.len(), repr.buffer_len());
    assert!(bytes.len() <= data.len(), "emitted more than was parsed");
    // Emitted bytes equal the input's up to the auth section's end, except the reserved byte
    // of the keyed forms (ignored on receipt, zero on transmit: RFC 5880 §4.3, §4.4) and the
    // Length byte when the sender padded beyond the section.
    let mut expected = data[..bytes.len()].to_vec();
    expected[3] = bytes.len() as u8;
    if matches!(
        repr.auth,
        Some(Auth::KeyedMd5 { .. } | Auth::KeyedSha1 { .. })
    ) {
        expected[24 + 3] = 0;
    }
    assert_eq!(bytes, expected, "re-emitted bytes differ: {repr:?}");
    match ControlRepr::parse(&bytes) {
        Ok(again) => assert_eq!(again, repr, "round trip changed the packet"),
        Err(e) => panic!("re-emitted packet does not parse ({e}): {repr:?}"),
    }
}
