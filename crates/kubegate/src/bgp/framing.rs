//! Counts the BGP messages in a byte stream read from the network, by their headers'
//! length field (RFC 4271 §4.1), for the status's "messages in". The session does the real
//! parsing; this keeps at most one header's worth of octets.

/// RFC 4271 §4.1: marker (16), length (2), type (1).
const HEADER_LEN: usize = 19;

#[derive(Debug, Default)]
pub(crate) struct MessageCounter {
    header: Vec<u8>,
    /// Body octets of the current message still to come.
    remaining: usize,
    pub(crate) count: u64,
}

impl MessageCounter {
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(bytes.len());
                self.remaining -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (HEADER_LEN - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() == HEADER_LEN {
                let len = usize::from(u16::from_be_bytes([self.header[16], self.header[17]]));
                self.remaining = len.saturating_sub(HEADER_LEN);
                self.header.clear();
                self.count += 1;
            }
        }
    }

    /// A new connection starts at a message boundary.
    pub(crate) fn reset(&mut self) {
        self.header.clear();
        self.remaining = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(len: u16) -> Vec<u8> {
        let mut m = vec![0xff; 16];
        m.extend_from_slice(&len.to_be_bytes());
        m.push(4);
        m.resize(usize::from(len), 0);
        m
    }

    proptest::proptest! {
        /// Any bytes from the network: no panic, and the held header never exceeds 19 octets.
        #[test]
        fn any_bytes_are_counted_within_bounds(chunks in proptest::collection::vec(
            proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..20)) {
            let mut c = MessageCounter::default();
            for chunk in &chunks {
                c.feed(chunk);
                proptest::prop_assert!(c.header.len() < HEADER_LEN);
                proptest::prop_assert!(c.remaining < usize::from(u16::MAX));
            }
        }
    }

    #[test]
    fn counts_messages_split_anywhere() {
        let mut stream = message(19);
        stream.extend(message(40));
        stream.extend(message(19));
        for split in 0..stream.len() {
            let mut c = MessageCounter::default();
            c.feed(&stream[..split]);
            c.feed(&stream[split..]);
            assert_eq!(c.count, 3, "split at {split}");
        }
    }
}
