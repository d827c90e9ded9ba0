//! The UPDATE message (RFC 4271 §4.3): withdrawn IPv4 routes, path attributes, IPv4 NLRI, and
//! the checks RFC 4271 §6.3 makes on the message as a whole.

use super::attrs::{self, PathAttributes, AS_PATH, NEXT_HOP, ORIGIN};
use super::{Ctx, EmitError, Family, Invalid, MpUnreach, Prefix};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    /// IPv4 unicast routes withdrawn (RFC 4271 §4.3).
    pub withdrawn: Vec<Prefix>,
    pub attributes: PathAttributes,
    /// IPv4 unicast routes announced with `attributes` (RFC 4271 §4.3).
    pub nlri: Vec<Prefix>,
    /// Set when an attribute was malformed in a way RFC 7606 handles by treat-as-withdraw:
    /// every route this UPDATE announces must be handled as withdrawn, the session stays up.
    /// Holds the error RFC 4271 alone would have reset the session with. Never emitted.
    pub treat_as_withdraw: Option<Invalid>,
}

impl Update {
    /// The End-of-RIB marker of a family (RFC 4724 §2): an empty UPDATE for IPv4 unicast,
    /// an UPDATE holding only an empty MP_UNREACH_NLRI otherwise.
    pub fn end_of_rib(family: Family) -> Update {
        let mut u = Update::default();
        if family != Family::Ipv4Unicast {
            u.attributes.mp_unreach = Some(MpUnreach {
                family,
                withdrawn: Vec::new(),
            });
        }
        u
    }

    /// The family this UPDATE marks the End-of-RIB of, if it is such a marker (RFC 4724 §2).
    pub fn end_of_rib_family(&self) -> Option<Family> {
        if !self.withdrawn.is_empty() || !self.nlri.is_empty() {
            return None;
        }
        let a = &self.attributes;
        if *a == PathAttributes::default() {
            return Some(Family::Ipv4Unicast);
        }
        match &a.mp_unreach {
            Some(un) if un.withdrawn.is_empty() => {
                let only = PathAttributes {
                    mp_unreach: a.mp_unreach.clone(),
                    ..PathAttributes::default()
                };
                (*a == only).then_some(un.family)
            }
            _ => None,
        }
    }

    pub(crate) fn parse(body: &[u8], ctx: Ctx) -> Result<Update, Invalid> {
        // RFC 4271 §6.3: lengths that overrun the message are a Malformed Attribute List.
        let [w0, w1, rest @ ..] = body else {
            return Err(Invalid::MalformedAttributeList);
        };
        let wlen = usize::from(u16::from_be_bytes([*w0, *w1]));
        let (withdrawn, rest) = rest
            .split_at_checked(wlen)
            .ok_or(Invalid::MalformedAttributeList)?;
        let [a0, a1, rest @ ..] = rest else {
            return Err(Invalid::MalformedAttributeList);
        };
        let alen = usize::from(u16::from_be_bytes([*a0, *a1]));
        let (attr_bytes, nlri) = rest
            .split_at_checked(alen)
            .ok_or(Invalid::MalformedAttributeList)?;
        // RFC 4271 §6.3: a syntactically incorrect prefix is an Invalid Network Field.
        let withdrawn = Prefix::parse_all(withdrawn, Family::Ipv4Unicast)
            .ok_or(Invalid::InvalidNetworkField)?;
        let nlri =
            Prefix::parse_all(nlri, Family::Ipv4Unicast).ok_or(Invalid::InvalidNetworkField)?;
        let parsed = attrs::parse(attr_bytes, ctx)?;
        let mut update = Update {
            withdrawn,
            attributes: parsed.attrs,
            nlri,
            treat_as_withdraw: parsed.treat_as_withdraw,
        };
        update.check_mandatory();
        Ok(update)
    }

    /// RFC 4271 §6.3 / §5: ORIGIN, AS_PATH and (for IPv4 NLRI) NEXT_HOP must be present when
    /// routes are announced. RFC 7606 §3.d: a missing one is treat-as-withdraw.
    fn check_mandatory(&mut self) {
        let a = &self.attributes;
        let reach_v6 = a.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
        let reach_v4 = !self.nlri.is_empty();
        let mut missing = None;
        if reach_v4 || reach_v6 {
            if a.origin.is_none() {
                missing = Some(ORIGIN);
            } else if a.as_path.is_none() {
                missing = Some(AS_PATH);
            }
        }
        if missing.is_none() && reach_v4 && a.next_hop.is_none() {
            missing = Some(NEXT_HOP);
        }
        if let Some(code) = missing {
            self.treat_as_withdraw
                .get_or_insert(Invalid::MissingWellKnown(code));
        }
    }

    pub(crate) fn emit_body(&self, ctx: Ctx, out: &mut Vec<u8>) -> Result<(), EmitError> {
        let mut withdrawn = Vec::new();
        Prefix::emit_all(&self.withdrawn, Family::Ipv4Unicast, &mut withdrawn)?;
        let mut attr_bytes = Vec::new();
        attrs::emit(&self.attributes, ctx, &mut attr_bytes)?;
        let wlen = u16::try_from(withdrawn.len()).map_err(|_| EmitError::TooLong)?;
        let alen = u16::try_from(attr_bytes.len()).map_err(|_| EmitError::TooLong)?;
        out.extend_from_slice(&wlen.to_be_bytes());
        out.extend_from_slice(&withdrawn);
        out.extend_from_slice(&alen.to_be_bytes());
        out.extend_from_slice(&attr_bytes);
        Prefix::emit_all(&self.nlri, Family::Ipv4Unicast, out)
    }
}
