//! The HTTP/1.x heads kubegate reads from the network, parsed by `httparse` within our own
//! bounds: request heads (the admin endpoint, the lab's fake apiserver, test servers) and
//! response heads (the CLI, health probes, the lab's probes, test clients). Input from the
//! network is never trusted: a head longer than its limit is refused as soon as the limit is
//! reached (callers never buffer past it), an incomplete head asks for more, anything
//! malformed is an error that says which part, and nothing panics.
#![forbid(unsafe_code)]

mod fuzz;
mod head;
mod request;
mod response;

pub use fuzz::fuzz_heads;
pub use head::{HeadError, Header, MAX_HEADERS};
pub use request::{parse_request, RequestHead};
pub use response::{parse_response, parse_status_prefix, ResponseHead, STATUS_PREFIX_LEN};

#[cfg(test)]
mod edge_cases;
