//! The docs stay true: every ```yaml block in docs/*.md that is a kubegate config (a top-level
//! `nodes:` or `frontends:` key) is valid for `config::parse_str`, and the setup guides hold
//! at least one such block each.

use std::path::{Path, PathBuf};

/// The ```yaml blocks of a markdown text, with the line each starts on.
fn yaml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```yaml" => current = Some((i + 2, String::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(current.is_none(), "a ```yaml block is never closed");
    blocks
}

fn is_kubegate_config(block: &str) -> bool {
    block
        .lines()
        .any(|l| l.starts_with("nodes:") || l.starts_with("frontends:"))
}

fn docs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn config_snippets_in_the_docs_are_valid() {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for file in docs() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for (line, block) in yaml_blocks(&text)
            .into_iter()
            .filter(|(_, b)| is_kubegate_config(b))
        {
            let source = PathBuf::from(format!("{name} (block at line {line})"));
            if let Err(e) = kubegate_config::parse_str(&block, &source) {
                failures.push(e.to_string());
            }
            checked.push(name.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for guide in [
        "setup-kubeadm-stacked.md",
        "setup-k3s.md",
        "setup-lb-pair.md",
        "setup-node-local.md",
        "migrating-from-keepalived-haproxy.md",
    ] {
        assert!(
            checked.iter().any(|c| c == guide),
            "{guide}: no kubegate config block found (checked: {checked:?})"
        );
    }
}

#[test]
fn blocks_are_found_and_an_invalid_one_would_fail() {
    let md = "text\n```yaml\nfrontends:\n  - name: a\n```\n```sh\nnodes:\n```\n```yaml\nkind: Pod\n```\n";
    let blocks = yaml_blocks(md);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0], (3, "frontends:\n  - name: a\n".to_string()));
    assert!(is_kubegate_config(&blocks[0].1));
    assert!(!is_kubegate_config(&blocks[1].1));
    let e = kubegate_config::parse_str(&blocks[0].1, Path::new("x.md")).unwrap_err();
    assert!(e.to_string().contains("bind"), "{e}");
}
