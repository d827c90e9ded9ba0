//! Writing YAML scalars: every string that comes from outside (paths, image names, names read
//! from other tools' files) is written double-quoted and escaped, so no value can change the
//! document's structure. Shared by every writer of YAML (the import, the manifests, the lab).

/// `s` as a YAML double-quoted scalar (YAML 1.2 §7.3.1): `"` and `\` escaped, control
/// characters as `\uXXXX`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(quote("/etc/kubegate"), "\"/etc/kubegate\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("x\ny: 1"), "\"x\\u000Ay: 1\"");
    }

    #[test]
    fn quoted_strings_read_back_unchanged() {
        for s in [
            "plain",
            "with: colon",
            "#hash",
            "quote\"d",
            "back\\slash",
            "tab\there",
            "- dash",
            "new\nline",
            "ünï",
        ] {
            let doc = format!("v: {}\n", quote(s));
            let back: std::collections::BTreeMap<String, String> =
                serde_saphyr::from_str(&doc).unwrap();
            assert_eq!(back["v"], s, "{doc}");
        }
    }
}
