//! haproxy's sections: a line starting with a section keyword (`global`, `defaults`,
//! `frontend`, `backend`, `listen`, `resolvers`, `userlist`, …) opens a section that runs to the
//! next one. Proxies inherit from the last `defaults` before them, or the one named by `from`.

use super::lexer::Line;

/// What a section is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Global,
    Defaults,
    Frontend,
    Backend,
    Listen,
    /// `resolvers`, `peers`, `userlist`, `mailers`, `program`, `cache`, … (none is imported).
    Other,
}

/// Section keywords that open no proxy.
const OTHER: &[&str] = &[
    "resolvers",
    "peers",
    "userlist",
    "mailers",
    "program",
    "http-errors",
    "ring",
    "cache",
    "fcgi-app",
    "crt-store",
    "traces",
    "log-forward",
    "acme",
];

/// One section and its lines.
#[derive(Debug, Clone)]
pub struct Section {
    pub kind: Kind,
    /// The section keyword as written (`listen`, `userlist`).
    pub keyword: String,
    pub name: Option<String>,
    /// Words after the name, `from NAME` removed (`listen NAME ADDR:PORT`).
    pub args: Vec<String>,
    /// `from NAME`: the `defaults` section to inherit from.
    pub from: Option<String>,
    /// The line that opens the section.
    pub line: usize,
    pub body: Vec<Line>,
}

impl Section {
    /// `frontend api`, `defaults`.
    pub fn title(&self) -> String {
        match &self.name {
            Some(n) => format!("{} {n}", self.keyword),
            None => self.keyword.clone(),
        }
    }
}

fn kind_of(keyword: &str) -> Option<Kind> {
    Some(match keyword {
        "global" => Kind::Global,
        "defaults" => Kind::Defaults,
        "frontend" => Kind::Frontend,
        "backend" => Kind::Backend,
        "listen" => Kind::Listen,
        k if OTHER.contains(&k) => Kind::Other,
        _ => return None,
    })
}

/// The sections in file order, and the lines before the first one (haproxy refuses those).
pub fn split(lines: Vec<Line>) -> (Vec<Line>, Vec<Section>) {
    let mut orphans = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for line in lines {
        let keyword = line.word(0).to_string();
        if let Some(kind) = kind_of(&keyword) {
            sections.push(open(kind, keyword, &line));
        } else if let Some(current) = sections.last_mut() {
            current.body.push(line);
        } else {
            orphans.push(line);
        }
    }
    (orphans, sections)
}

fn open(kind: Kind, keyword: String, line: &Line) -> Section {
    let mut rest: Vec<String> = line.words.iter().skip(1).cloned().collect();
    let mut from = None;
    if let Some(i) = rest.iter().position(|w| w == "from") {
        from = rest.get(i + 1).cloned();
        rest.truncate(i);
    }
    let mut rest = rest.into_iter();
    Section {
        kind,
        keyword,
        name: rest.next(),
        args: rest.collect(),
        from,
        line: line.number,
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lines;
    use super::*;

    #[test]
    fn sections_run_to_the_next_keyword() {
        let text = "stray 1\nglobal\n  daemon\ndefaults base from x\nlisten api 10.0.0.50:6443\n  \
                    server a 10.0.0.51:6443\nuserlist admins\n  user a password b\n";
        let (orphans, s) = split(lines(text));
        assert_eq!(orphans.len(), 1);
        let kinds: Vec<Kind> = s.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [Kind::Global, Kind::Defaults, Kind::Listen, Kind::Other]
        );
        assert_eq!(s[1].name.as_deref(), Some("base"));
        assert_eq!(s[1].from.as_deref(), Some("x"));
        assert_eq!(s[2].args, ["10.0.0.50:6443"]);
        assert_eq!(s[2].line, 5);
        assert_eq!(s[2].body.len(), 1);
        assert_eq!(s[3].title(), "userlist admins");
        assert_eq!(s[0].title(), "global");
    }
}
