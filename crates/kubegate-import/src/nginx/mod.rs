//! `kubegate import` for nginx files: the `stream` module's `upstream` and `server` blocks in,
//! kubegate frontends out, with a note for everything assumed, left out or wrong. The `http`
//! block and process settings are not imported; `include` is not followed.

mod lexer;
mod proxying;
#[cfg(test)]
mod robustness;
mod stream;
mod tree;
mod upstream;

use crate::draft::{DraftFrontend, Note};
use crate::names::Names;
use crate::notes::{list_words, Notes};

/// What an nginx file gives.
#[derive(Debug, Clone, PartialEq)]
pub struct NginxImport {
    pub frontends: Vec<DraftFrontend>,
    pub notes: Vec<Note>,
}

/// Reads the nginx file `file` (its name, for notes) holding `text`.
pub fn read(file: &str, text: &str) -> NginxImport {
    let mut notes = Notes::new(file);
    let (mut tokens, open_quote) = lexer::tokens(text);
    if let Some(line) = open_quote {
        notes.error(
            line,
            "a quote opened here is never closed; close it (nothing after it is read)",
        );
        // The directive the quote belongs to is incomplete: not read.
        while matches!(tokens.last(), Some(t) if matches!(t.token, lexer::Token::Word(_))) {
            tokens.pop();
        }
    }
    let (top, problems) = tree::parse(tokens);
    for (line, text) in problems {
        notes.error(line, text);
    }
    let mut names = Names::default();
    let mut frontends = Vec::new();
    let mut process: Vec<String> = Vec::new();
    let mut process_line = 0;
    let mut streams = 0;
    for d in &top {
        match (d.name.as_str(), &d.block) {
            ("stream", Some(_)) => {
                streams += 1;
                frontends.extend(stream::read(d, &mut names, &mut notes));
            }
            ("http", Some(_)) => notes.dropped(
                d.line,
                "the `http` block: kubegate balances TCP; it is not imported",
            ),
            ("mail", Some(_)) => notes.dropped(
                d.line,
                "the `mail` block: kubegate balances TCP to one pool per frontend; it is not \
                 imported",
            ),
            ("include", _) => stream::say_include(d, &mut notes),
            (name, _) => {
                if !process.iter().any(|p| p == name) {
                    process.push(name.to_string());
                }
                process_line = if process_line == 0 {
                    d.line
                } else {
                    process_line
                };
            }
        }
    }
    if !process.is_empty() {
        notes.dropped(
            process_line,
            format!(
                "nginx process settings {}: kubegate runs as a service and logs one line per \
                 connection on stdout",
                list_words(&process)
            ),
        );
    }
    if streams == 0 && !notes.has_errors() {
        notes.error(
            0,
            "no `stream` block: nothing to import (kubegate balances TCP like nginx's stream \
             module; http blocks are not imported)",
        );
    }
    NginxImport {
        frontends,
        notes: notes.finish(),
    }
}
