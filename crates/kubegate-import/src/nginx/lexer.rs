//! nginx's token syntax: words separated by white space, `;` ending a directive, `{` `}` around
//! a block, `#` starting a comment at the start of a word, `"…"` / `'…'` quotes and `\`
//! escapes, `${name}` variables kept whole. CRLF line ends are accepted. The lexer never fails:
//! an unterminated quote is reported and ends the file.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Semicolon,
    Open,
    Close,
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub token: Token,
    pub line: usize,
}

/// The tokens of `text`, and the line of an unterminated quote if there is one.
pub fn tokens(text: &str) -> (Vec<Located>, Option<usize>) {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            ' ' | '\t' | '\r' => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            ';' | '{' | '}' => {
                let token = match c {
                    ';' => Token::Semicolon,
                    '{' => Token::Open,
                    _ => Token::Close,
                };
                out.push(Located { token, line });
            }
            '"' | '\'' => {
                let start = line;
                let mut word = String::new();
                let mut closed = false;
                while let Some(q) = chars.next() {
                    match q {
                        _ if q == c => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some(e) => {
                                if e == '\n' {
                                    line += 1;
                                }
                                word.push_str(&escaped(e));
                            }
                            None => word.push('\\'),
                        },
                        '\n' => {
                            line += 1;
                            word.push('\n');
                        }
                        _ => word.push(q),
                    }
                }
                if !closed {
                    return (out, Some(start));
                }
                out.push(Located {
                    token: Token::Word(word),
                    line: start,
                });
            }
            _ => {
                let mut word = String::new();
                let mut next = Some(c);
                while let Some(w) = next {
                    match w {
                        '\\' => match chars.next_if(|e| *e != '\n') {
                            Some(e) => word.push_str(&escaped(e)),
                            None => word.push('\\'),
                        },
                        '$' if chars.peek() == Some(&'{') => {
                            word.push('$');
                            for v in chars.by_ref() {
                                if v == '\n' {
                                    line += 1;
                                }
                                word.push(v);
                                if v == '}' {
                                    break;
                                }
                            }
                        }
                        _ => word.push(w),
                    }
                    next =
                        chars.next_if(|n| !matches!(n, ' ' | '\t' | '\r' | '\n' | ';' | '{' | '}'));
                }
                out.push(Located {
                    token: Token::Word(word),
                    line,
                });
            }
        }
    }
    (out, None)
}

/// nginx keeps the backslash unless it escapes a quote, a backslash or t/r/n.
fn escaped(e: char) -> String {
    match e {
        '"' | '\'' | '\\' => e.to_string(),
        't' => "\t".into(),
        'r' => "\r".into(),
        'n' => "\n".into(),
        other => format!("\\{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<(String, usize)> {
        tokens(text)
            .0
            .into_iter()
            .map(|t| match t.token {
                Token::Word(w) => (w, t.line),
                Token::Semicolon => (";".into(), t.line),
                Token::Open => ("{".into(), t.line),
                Token::Close => ("}".into(), t.line),
            })
            .collect()
    }

    fn plain(text: &str) -> Vec<String> {
        words(text).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn directives_blocks_and_comments() {
        assert_eq!(
            plain("upstream k8s {\r\n  server 10.0.0.51:6443;   # Master1 APISERVER\r\n}"),
            ["upstream", "k8s", "{", "server", "10.0.0.51:6443", ";", "}"]
        );
        assert_eq!(
            plain("listen 6443;proxy_pass a;"),
            ["listen", "6443", ";", "proxy_pass", "a", ";"]
        );
        assert_eq!(plain("a#b c;"), ["a#b", "c", ";"]);
    }

    #[test]
    fn quotes_escapes_and_variables() {
        assert_eq!(
            plain(r#"log_format main '$remote_addr [$time_local]' "a \"b\" \x";"#),
            [
                "log_format",
                "main",
                "$remote_addr [$time_local]",
                r#"a "b" \x"#,
                ";"
            ]
        );
        assert_eq!(
            plain("hash ${remote_addr}x consistent;"),
            ["hash", "${remote_addr}x", "consistent", ";"]
        );
        assert_eq!(plain(r"a\;b;"), [r"a\;b", ";"]);
    }

    #[test]
    fn lines_are_counted_through_quotes_and_comments() {
        let w = words("# one\nuser nginx;\nlog_format x 'a\nb';\nevents {}\n");
        let lines: Vec<usize> = w.iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, [2, 2, 2, 3, 3, 3, 4, 5, 5, 5]);
    }

    #[test]
    fn an_unterminated_quote_is_reported_at_its_start() {
        let (t, open) = tokens("a;\nb 'never closed;\n}\n");
        assert_eq!(open, Some(2));
        assert_eq!(t.len(), 3);
    }

    proptest! {
        #[test]
        fn any_text_lexes(text in any::<String>()) {
            let (toks, _) = tokens(&text);
            let lines = text.matches('\n').count() + 1;
            for t in toks {
                prop_assert!(t.line >= 1 && t.line <= lines);
            }
        }
    }
}
