//! Frontend names: what haproxy and nginx call a section or an upstream, made into a usable
//! kubegate name (letters, digits, `.`, `_`, `-`; at most 64) and unique in the file. Shared by
//! both readers.

use std::collections::HashSet;

/// The names given so far in one file.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// `wanted` made usable, with `-2`, `-3`… when already given.
    pub fn unique(&mut self, wanted: &str) -> String {
        let base = usable(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// What is wrong with a written name, when it cannot be used as it is.
pub fn unusable(written: &str) -> Option<String> {
    (usable(written) != written).then(|| {
        format!(
            "the name {written:?} is not a usable kubegate name (letters, digits, '.', '_', '-'; \
             at most 56 here)"
        )
    })
}

/// Other characters become `-`; a name starts with a letter or digit; at most 56 characters
/// (room for a suffix).
pub fn usable(raw: &str) -> String {
    let mapped: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed: String = mapped
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(56)
        .collect();
    if trimmed.is_empty() {
        "frontend".into()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_usable_and_unique() {
        let mut n = Names::default();
        assert_eq!(n.unique("kubernetes-apiserver"), "kubernetes-apiserver");
        assert_eq!(n.unique("kubernetes-apiserver"), "kubernetes-apiserver-2");
        assert_eq!(n.unique("kubernetes-apiserver"), "kubernetes-apiserver-3");
        assert_eq!(n.unique("k8s api/v1"), "k8s-api-v1");
        assert_eq!(n.unique("_x"), "x");
        assert_eq!(n.unique("集群"), "frontend");
        assert_eq!(usable(&"a".repeat(100)).len(), 56);
        assert_eq!(unusable("k8s-api_1.x"), None);
        assert!(unusable("k8s api")
            .unwrap()
            .contains("\"k8s api\" is not a usable"));
    }
}
