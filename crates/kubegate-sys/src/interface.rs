//! Small facts about one interface: index, MAC address, whether it is up.
//!
//! Each call asks the kernel in the calling thread's network namespace.

use std::io;

use super::ffi;

/// The interface index (`if_nametoindex(3)`).
pub fn index(name: &str) -> io::Result<u32> {
    ffi::if_nametoindex(name)
}

/// The interface's Ethernet address (`SIOCGIFHWADDR`).
pub fn mac(name: &str) -> io::Result<[u8; 6]> {
    ffi::interface_hwaddr(name)
}

/// Administratively up (`IFF_UP`) and operationally up (`IFF_RUNNING`: carrier present).
pub fn is_up(name: &str) -> io::Result<bool> {
    let flags = ffi::interface_flags(name)?;
    let want = (libc::IFF_UP | libc::IFF_RUNNING) as u32;
    Ok(flags & want == want)
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_there() {
        // The loopback interface exists in every network namespace and has index 1.
        assert_eq!(index("lo").unwrap(), 1);
        assert_eq!(mac("lo").unwrap(), [0; 6]);
        assert!(index("no-such-if0").is_err());
        assert!(index("").is_err());
    }

    #[test]
    fn formats_mac() {
        assert_eq!(format_mac([0x02, 0, 0x5e, 0, 1, 0x33]), "02:00:5e:00:01:33");
    }
}
