//! haproxy's line syntax: one keyword and its arguments per line, separated by spaces or tabs;
//! `#` starts a comment (also after a value); `\` escapes the next character (`\ `, `\#`, `\t`);
//! `"…"` quotes with escapes, `'…'` quotes without. CRLF line ends are accepted. Anything else
//! is taken as written: the reader never fails on text, it reports what it cannot use.

/// One line that holds words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub number: usize,
    pub words: Vec<String>,
}

impl Line {
    /// The word at `i`, or "".
    pub fn word(&self, i: usize) -> &str {
        self.words.get(i).map_or("", String::as_str)
    }
}

/// The lines of a file that hold words.
pub fn lines(text: &str) -> Vec<Line> {
    text.split('\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let words = words(raw);
            (!words.is_empty()).then_some(Line {
                number: i + 1,
                words,
            })
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    None,
    Double,
    Single,
}

/// The words of one line, comments removed, quotes and escapes resolved.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = Quote::None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            (Quote::Single, _) => word.push(c),
            (_, '\\') => {
                in_word = true;
                word.push(chars.next().map_or('\\', unescape));
            }
            (Quote::Double, _) => word.push(c),
            (Quote::None, ' ' | '\t' | '\r') => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (Quote::None, '#') => break,
            (Quote::None, '"') => {
                in_word = true;
                quote = Quote::Double;
            }
            (Quote::None, '\'') => {
                in_word = true;
                quote = Quote::Single;
            }
            (Quote::None, _) => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

fn unescape(c: char) -> char {
    match c {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(line: &str) -> Vec<String> {
        words(line)
    }

    #[test]
    fn comments_end_a_line_even_after_a_value() {
        assert_eq!(w("    bind *:9443  ## 监听9443端口"), ["bind", "*:9443"]);
        assert_eq!(w("# a comment"), Vec::<String>::new());
        assert_eq!(w("mode\ttcp\t# 模式tcp"), ["mode", "tcp"]);
        assert_eq!(
            w("option redispatch #《---上述选项"),
            ["option", "redispatch"]
        );
    }

    #[test]
    fn escapes_and_quotes() {
        assert_eq!(
            w(r"stats realm Haproxy\ welcome"),
            ["stats", "realm", "Haproxy welcome"]
        );
        assert_eq!(w(r#"x "a b\"c" 'd\e' \#f"#), ["x", "a b\"c", r"d\e", "#f"]);
        assert_eq!(w(r#"x """#), ["x", ""]);
        assert_eq!(w("x \\"), ["x", "\\"]);
        assert_eq!(w("x \"unterminated"), ["x", "unterminated"]);
    }

    #[test]
    fn line_numbers_count_every_line_and_crlf_goes() {
        let l = lines("global\r\n\r\n  # c\r\n  maxconn 4000\r\n");
        assert_eq!(
            l,
            [
                Line {
                    number: 1,
                    words: vec!["global".into()]
                },
                Line {
                    number: 4,
                    words: vec!["maxconn".into(), "4000".into()]
                },
            ]
        );
        assert_eq!(l[1].word(1), "4000");
        assert_eq!(l[1].word(5), "");
    }

    proptest! {
        #[test]
        fn any_text_lexes(text in any::<String>()) {
            for l in lines(&text) {
                prop_assert!(!l.words.is_empty());
                prop_assert!(l.number >= 1);
            }
        }
    }
}
