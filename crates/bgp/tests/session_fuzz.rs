//! Untrusted bytes into a live session: FRR's captured stream, mutated and cut into random
//! chunks, never panics the session, and whatever happens it ends in a state it can leave
//! (Established, or Idle after a NOTIFICATION it sent or received).

mod session_support;
#[path = "vectors/mod.rs"]
mod vectors;

use std::net::Ipv4Addr;
use std::time::Duration;

use bgp::session::{Action, Config, Input, State};
use session_support::Solo;

const RUNS: usize = 3_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn config() -> Config {
    let mut c = Config::new(64500, 64512, Ipv4Addr::new(198, 18, 0, 2));
    c.hold_time = 9;
    c.ipv6_unicast = true;
    c.next_hop_v6 = Some("2001:db8::2".parse().unwrap());
    c.max_prefixes = Some(100);
    c
}

#[test]
fn mutated_streams_never_break_a_session() {
    let stream = vectors::first_connection(vectors::frr());
    let mut rng = Rng(7);
    let mut outcomes = [0usize; 2];
    for _ in 0..RUNS {
        let mut input = stream.clone();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(input.len());
            input[i] ^= 1 << rng.below(8);
        }
        let mut s = Solo::new(config());
        s.open_sent();
        let mut rest = &input[..];
        let mut notified = false;
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(200));
            let out = s.handle(Input::Bytes(rest[..n].to_vec()));
            notified |= out.iter().any(|a| matches!(a, Action::Down { .. }));
            rest = &rest[n..];
        }
        assert!(s.s.received_count() <= 100);
        match s.s.state() {
            State::Established => outcomes[0] += 1,
            State::Idle => {
                assert!(notified, "Idle only through a reported Down");
                outcomes[1] += 1;
            }
            // A flipped length can leave a message waiting for octets that never come:
            // the hold timer ends that.
            _ => {
                let out = s.advance(Duration::from_secs(240));
                assert_eq!(s.s.state(), State::Idle, "{out:?}");
            }
        }
    }
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}
