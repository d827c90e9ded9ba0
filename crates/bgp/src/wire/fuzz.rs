//! The body of the `parse` fuzz target, kept in the crate so an ordinary test can run it over
//! a seed corpus and generated inputs: whatever the bytes, parsing must not panic, must not
//! claim more octets than it was given, and what parses must re-emit to bytes that parse back
//! to the same message.

use super::{Ctx, Error, Message};

/// Input layout: one selector byte (bit 0: 2-octet AS numbers), then a byte stream that is
/// parsed message after message, as a session reads its socket.
///
/// # Panics
/// When the codec breaks one of its promises (that is the point of a fuzz target).
pub fn fuzz_parse(data: &[u8]) {
    let Some((&selector, mut stream)) = data.split_first() else {
        return;
    };
    let ctx = Ctx {
        four_octet_as: selector & 1 == 0,
    };
    loop {
        match Message::parse_with(stream, ctx) {
            Ok((message, used)) => {
                assert!(used >= super::HEADER_LEN && used <= stream.len());
                check_round_trip(&message, ctx);
                stream = &stream[used..];
            }
            Err(Error::Incomplete { needed }) => {
                assert!(needed > 0);
                return;
            }
            Err(Error::Invalid(invalid)) => {
                // The NOTIFICATION it calls for must itself be writable.
                let n = Message::Notification(invalid.notification());
                n.to_bytes(ctx).expect("notification emits");
                return;
            }
        }
    }
}

fn check_round_trip(message: &Message, ctx: Ctx) {
    if let Message::Update(u) = message {
        if u.treat_as_withdraw.is_some() {
            // What was dropped cannot come back; only its emitting must not fail badly.
            let _ = message.to_bytes(ctx);
            return;
        }
    }
    let bytes = message.to_bytes(ctx).expect("a parsed message re-emits");
    let (again, used) = Message::parse_with(&bytes, ctx).expect("re-emitted message parses");
    assert_eq!(used, bytes.len());
    assert_eq!(&again, message, "round trip changed the message");
}
