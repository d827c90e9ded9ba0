//! Whether a parsed control packet belongs to this session and may be acted on: the source,
//! the TTL rule of RFC 5881 §5 / RFC 5883 §2, demultiplexing by Your Discriminator and the
//! authentication rules of RFC 5880 §6.8.6 and §6.7.2. The stateless rules were applied by
//! the codec.

use std::net::IpAddr;

use super::{Discard, Session};
use crate::packet::ControlRepr;

impl Session {
    pub(super) fn accept(
        &self,
        from: IpAddr,
        ttl: u8,
        packet: &ControlRepr,
    ) -> Result<(), Discard> {
        // RFC 5880 §6.8.6: with Your Discriminator zero "the session MUST be selected based on
        // some combination of other fields, possibly including source addressing
        // information"; this session is the one for its peer's address.
        if from != self.config.peer {
            return Err(Discard::WrongSource);
        }
        // RFC 5881 §5: "All received BFD Control packets that are demultiplexed to the
        // session MUST be discarded if the received TTL or Hop Limit is not equal to 255."
        // (Applied with authentication too, which §5 permits.) Multihop: RFC 5883 §2.
        if !self.config.hops.accepts_ttl(ttl) {
            return Err(Discard::BadTtl(ttl));
        }
        // RFC 5880 §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to
        // select the session ... If no session is found, the packet MUST be discarded."
        if packet.your_discr != 0 && packet.your_discr != self.config.local_discr {
            return Err(Discard::UnknownDiscriminator);
        }
        // RFC 5880 §6.8.6: A bit set and bfd.AuthType zero, or A bit clear and authentication
        // in use: discard; otherwise authenticate per §6.7 (§6.7.2 for simple password:
        // "If the Auth Key ID field does not match the ID of a configured password, or the
        // password does not match, the packet MUST be discarded").
        match (&self.config.auth, &packet.auth) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(Discard::UnexpectedAuth),
            (Some(_), None) => Err(Discard::MissingAuth),
            (Some(cfg), Some(auth)) => {
                if auth.is_simple_password(cfg.key_id, &cfg.password) {
                    Ok(())
                } else {
                    Err(Discard::AuthFailed)
                }
            }
        }
    }
}
