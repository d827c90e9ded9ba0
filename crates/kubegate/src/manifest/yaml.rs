//! Layout helpers for the hand-laid YAML of the pod manifests (scalars are quoted with
//! `kubegate_config::yaml::quote`).

/// `text` with `indent` spaces before every non-empty line.
pub fn indent(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_non_empty_lines() {
        assert_eq!(
            indent("a:\n  b: 1\n\nc: 2\n", 4),
            "    a:\n      b: 1\n\n    c: 2\n"
        );
    }
}
