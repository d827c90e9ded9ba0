//! keepalived.conf text into a tree of statements: a keyword, its words and an optional
//! `{ … }` block. Owns comments (`#`, `!`), double quotes, braces on the same or the next
//! line, CRLF and tabs, and says where a block was never closed. Never fails.

use super::super::draft::{Note, Origin};

/// One statement: `keyword word word` with an optional block, at its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    pub args: Vec<String>,
    pub line: usize,
    pub block: Option<Vec<Item>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Open,
    Close,
    EndOfLine,
}

/// Splits `text` into tokens with their lines; an unterminated quote is a note.
fn tokens(file: &str, text: &str, notes: &mut Vec<Note>) -> Vec<(Token, usize)> {
    let mut out = Vec::new();
    for (i, raw_line) in text.split('\n').enumerate() {
        let line = i + 1;
        let mut chars = raw_line.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
            } else if c == '#' || c == '!' {
                break;
            } else if c == '{' || c == '}' {
                chars.next();
                out.push((if c == '{' { Token::Open } else { Token::Close }, line));
            } else if c == '"' {
                chars.next();
                let mut word = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '"' {
                        closed = true;
                        break;
                    }
                    word.push(c);
                }
                if !closed {
                    notes.push(Note::error(
                        Some(Origin::new(file, line)),
                        "a double quote is not closed on this line; add the closing \"",
                    ));
                    word = word.trim_end().to_string();
                }
                out.push((Token::Word(word), line));
            } else {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '{' || c == '}' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push((Token::Word(word), line));
            }
        }
        out.push((Token::EndOfLine, line));
    }
    out
}

/// The statements of `text`, nested by braces. Problems become notes located in `file`.
pub fn items(file: &str, text: &str, notes: &mut Vec<Note>) -> Vec<Item> {
    let toks = tokens(file, text, notes);
    let mut pos = 0;
    let mut top = Vec::new();
    loop {
        block(file, &toks, &mut pos, &mut top, notes, 0);
        match toks.get(pos) {
            // A `}` with no block open: say so and read on.
            Some((Token::Close, line)) => {
                notes.push(Note::error(
                    Some(Origin::new(file, *line)),
                    "this '}' closes no block; remove it or add the '{' it belongs to",
                ));
                pos += 1;
            }
            _ => return top,
        }
    }
}

/// keepalived's deepest blocks are three levels down; deeper input is not a keepalived file
/// (and must not exhaust the stack).
const MAX_DEPTH: usize = 16;

/// Reads statements into `out` until a `}` (left unconsumed) or the end.
fn block(
    file: &str,
    toks: &[(Token, usize)],
    pos: &mut usize,
    out: &mut Vec<Item>,
    notes: &mut Vec<Note>,
    depth: usize,
) {
    let mut current: Option<Item> = None;
    while let Some((tok, line)) = toks.get(*pos) {
        match tok {
            Token::Word(w) => {
                match current.as_mut() {
                    Some(item) => item.args.push(w.clone()),
                    None => {
                        current = Some(Item {
                            key: w.clone(),
                            args: Vec::new(),
                            line: *line,
                            block: None,
                        })
                    }
                }
                *pos += 1;
            }
            Token::EndOfLine => {
                out.extend(current.take());
                *pos += 1;
            }
            Token::Open if depth >= MAX_DEPTH => {
                notes.push(Note::error(
                    Some(Origin::new(file, *line)),
                    format!("blocks are nested more than {MAX_DEPTH} levels deep here; this is not a keepalived block: check the braces"),
                ));
                skip_block(toks, pos);
            }
            Token::Open => {
                *pos += 1;
                let open_line = *line;
                let mut children = Vec::new();
                block(file, toks, pos, &mut children, notes, depth + 1);
                match toks.get(*pos) {
                    Some((Token::Close, _)) => *pos += 1,
                    _ => notes.push(Note::error(
                        Some(Origin::new(file, open_line)),
                        "the block opened here is never closed; add the missing '}'",
                    )),
                }
                match current.take() {
                    Some(mut item) => {
                        item.block = Some(children);
                        out.push(item);
                    }
                    // `{` on its own line belongs to the statement on the line before.
                    None => match out.last_mut() {
                        Some(prev) if prev.block.is_none() => prev.block = Some(children),
                        _ => {
                            notes.push(Note::error(
                                Some(Origin::new(file, open_line)),
                                "this block has no keyword before it; write the keyword (like vrrp_instance NAME) before '{'",
                            ));
                        }
                    },
                }
            }
            Token::Close => {
                out.extend(current.take());
                return;
            }
        }
    }
    out.extend(current.take());
}

/// Skips from a `{` past its matching `}` (or to the end), without recursion.
fn skip_block(toks: &[(Token, usize)], pos: &mut usize) {
    let mut open = 0usize;
    while let Some((tok, _)) = toks.get(*pos) {
        *pos += 1;
        match tok {
            Token::Open => open += 1,
            Token::Close => {
                open = open.saturating_sub(1);
                if open == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Item>, Vec<Note>) {
        let mut notes = Vec::new();
        (items("k.conf", text, &mut notes), notes)
    }

    #[test]
    fn comments_end_a_line_outside_quotes() {
        let (items, notes) = read("! head\nrouter_id lb1 # 自定义id\nx \"a # b\" ! c\n");
        assert!(notes.is_empty());
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0].key.as_str(), items[0].args.clone(), items[0].line),
            ("router_id", vec!["lb1".to_string()], 2)
        );
        assert_eq!(items[1].args, vec!["a # b".to_string()]);
    }

    #[test]
    fn quoted_script_keeps_inner_single_quotes() {
        let (items, _) = read("script \"/bin/bash -c 'netstat -nlp | grep 9443'\"  # 检测\n");
        assert_eq!(
            items[0].args,
            vec!["/bin/bash -c 'netstat -nlp | grep 9443'".to_string()]
        );
    }

    #[test]
    fn braces_on_the_next_line_and_on_one_line() {
        let (items, notes) =
            read("vrrp_instance VI_1\n{\n  virtual_ipaddress { 10.0.0.50 }\n  auth_pass 1 }\n");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(items.len(), 1);
        let block = items[0].block.as_ref().expect("block");
        assert_eq!(block[0].key, "virtual_ipaddress");
        assert_eq!(
            block[0].block.as_ref().map(|b| b[0].key.clone()),
            Some("10.0.0.50".into())
        );
        assert_eq!((block[1].key.as_str(), block[1].line), ("auth_pass", 4));
    }

    #[test]
    fn crlf_and_tabs_are_whitespace() {
        let (items, notes) = read("global_defs {\r\n\trouter_id\tlb1\r\n}\r\n");
        assert!(notes.is_empty());
        let block = items[0].block.as_ref().expect("block");
        assert_eq!(block[0].args, vec!["lb1".to_string()]);
    }

    #[test]
    fn a_missing_brace_names_the_line_of_the_open_block() {
        let (items, notes) = read("a {\n b {\n  c\n }\n");
        assert_eq!(items.len(), 1);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].origin, Some(Origin::new("k.conf", 1)));
        assert!(notes[0].text.contains("never closed"));
    }

    #[test]
    fn a_stray_close_brace_and_open_quote_are_notes() {
        let (items, notes) = read("}\nscript \"abc\nnext 1\n");
        assert_eq!(items.len(), 2);
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].origin, Some(Origin::new("k.conf", 2)));
        assert_eq!(notes[1].origin, Some(Origin::new("k.conf", 1)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("a {}\nafter 1\n", "{".repeat(200_000));
        let (items, notes) = read(&text);
        assert_eq!(items.len(), 1);
        assert!(notes
            .iter()
            .any(|n| n.text.contains("nested more than 16 levels")));
        let text = format!("a {}{}\nafter 1\n", "{".repeat(100), "}".repeat(100));
        let (items, _) = read(&text);
        assert_eq!(items.last().map(|i| i.key.as_str()), Some("after"));
    }
}
