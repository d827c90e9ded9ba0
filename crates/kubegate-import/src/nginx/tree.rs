//! nginx directives from tokens: `name args… ;` or `name args… { … }`. Misplaced braces and
//! missing semicolons are reported at their line and read as nginx most likely meant. Blocks
//! nest at most [`MAX_DEPTH`] deep (deeper ones are reported and skipped), so neither the parse
//! nor dropping the tree can exhaust the stack.

use super::lexer::{Located, Token};

/// One directive, with its block when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub line: usize,
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    /// The argument at `i`, or "".
    pub fn arg(&self, i: usize) -> &str {
        self.args.get(i).map_or("", String::as_str)
    }
}

/// Deepest block nesting read (nginx files use three or four levels).
pub const MAX_DEPTH: usize = 32;

/// A syntax problem: its line and what to do.
pub type Problem = (usize, String);

/// The directives of a file and the syntax problems found.
pub fn parse(tokens: Vec<Located>) -> (Vec<Directive>, Vec<Problem>) {
    let mut problems = Vec::new();
    // Open blocks: their header (none for the file) and the directives read so far.
    let mut stack: Vec<(Option<Directive>, Vec<Directive>)> = vec![(None, Vec::new())];
    let mut words: Vec<(String, usize)> = Vec::new();
    // Blocks open inside a skipped (too deep) block.
    let mut skipping = 0usize;
    for Located { token, line } in tokens {
        if skipping > 0 {
            match token {
                Token::Open => skipping += 1,
                Token::Close => skipping -= 1,
                _ => {}
            }
            continue;
        }
        match token {
            Token::Word(w) => words.push((w, line)),
            Token::Semicolon => match header(&mut words) {
                Some(d) => push(&mut stack, d),
                None => problems.push((line, "`;` ends no directive; remove it".into())),
            },
            Token::Open if stack.len() > MAX_DEPTH => {
                words.clear();
                skipping = 1;
                problems.push((
                    line,
                    format!("blocks nest deeper than {MAX_DEPTH} levels here; this one is skipped"),
                ));
            }
            Token::Open => {
                let d = header(&mut words).unwrap_or_else(|| {
                    problems.push((line, "`{` opens a block with no directive name".into()));
                    Directive {
                        name: String::new(),
                        args: Vec::new(),
                        line,
                        block: None,
                    }
                });
                stack.push((Some(d), Vec::new()));
            }
            Token::Close => {
                if let Some(d) = header(&mut words) {
                    problems.push((
                        d.line,
                        format!("`{}` has no `;` before the `}}`; add it", d.name),
                    ));
                    push(&mut stack, d);
                }
                if stack.len() == 1 {
                    problems.push((line, "`}` closes no block; remove it".into()));
                } else {
                    close(&mut stack);
                }
            }
        }
    }
    if let Some(d) = header(&mut words) {
        problems.push((
            d.line,
            format!("`{}` has no `;` at the end; add it", d.name),
        ));
        push(&mut stack, d);
    }
    while stack.len() > 1 {
        if let Some((Some(h), _)) = stack.last() {
            problems.push((
                h.line,
                format!("the `{}` block is not closed; add a `}}`", h.name),
            ));
        }
        close(&mut stack);
    }
    let top = stack.pop().map(|(_, d)| d).unwrap_or_default();
    (top, problems)
}

/// The words so far as a directive (taken), if any.
fn header(words: &mut Vec<(String, usize)>) -> Option<Directive> {
    let mut it = std::mem::take(words).into_iter();
    let (name, line) = it.next()?;
    Some(Directive {
        name,
        args: it.map(|(w, _)| w).collect(),
        line,
        block: None,
    })
}

fn push(stack: &mut [(Option<Directive>, Vec<Directive>)], d: Directive) {
    if let Some((_, list)) = stack.last_mut() {
        list.push(d);
    }
}

/// Closes the innermost block into its parent.
fn close(stack: &mut Vec<(Option<Directive>, Vec<Directive>)>) {
    if let Some((Some(mut h), children)) = stack.pop() {
        h.block = Some(children);
        push(stack, h);
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokens;
    use super::*;
    use proptest::prelude::*;

    fn tree(text: &str) -> (Vec<Directive>, Vec<Problem>) {
        parse(tokens(text).0)
    }

    #[test]
    fn nested_blocks() {
        let (d, p) =
            tree("user nginx;\nstream {\n  upstream a {\n    server 10.0.0.1:6443;\n  }\n}\n");
        assert!(p.is_empty());
        assert_eq!(d.len(), 2);
        assert_eq!(
            (d[0].name.as_str(), d[0].arg(0), d[0].line),
            ("user", "nginx", 1)
        );
        let stream = d[1].block.as_ref().unwrap();
        assert_eq!(
            (stream[0].name.as_str(), stream[0].arg(0), stream[0].line),
            ("upstream", "a", 3)
        );
        let up = stream[0].block.as_ref().unwrap();
        assert_eq!(up[0].args, ["10.0.0.1:6443"]);
        assert_eq!(up[0].line, 4);
    }

    #[test]
    fn broken_syntax_is_located() {
        let (d, p) = tree("stream {\n  server {\n    listen 6443\n  }\n}\n}\n;\n");
        assert_eq!(
            p,
            [
                (3, "`listen` has no `;` before the `}`; add it".to_string()),
                (6, "`}` closes no block; remove it".to_string()),
                (7, "`;` ends no directive; remove it".to_string()),
            ]
        );
        let server = &d[0].block.as_ref().unwrap()[0];
        assert_eq!(server.block.as_ref().unwrap()[0].args, ["6443"]);
        let (_, p) = tree("stream {\n  upstream a {\n");
        assert_eq!(
            p,
            [
                (
                    2,
                    "the `upstream` block is not closed; add a `}`".to_string()
                ),
                (1, "the `stream` block is not closed; add a `}`".to_string()),
            ]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = "a {\n".repeat(200_000);
        let (d, p) = tree(&text);
        assert_eq!(d.len(), 1);
        assert_eq!(p.len(), MAX_DEPTH + 1);
        assert_eq!(
            p[0],
            (
                MAX_DEPTH + 1,
                "blocks nest deeper than 32 levels here; this one is skipped".into()
            )
        );
        let (_, p) = tree("}}}}}}");
        assert_eq!(p.len(), 6);
    }

    proptest! {
        #[test]
        fn any_tokens_parse(text in "[a-z;{}# \n'\"]{0,200}") {
            let _ = tree(&text);
        }
    }
}
