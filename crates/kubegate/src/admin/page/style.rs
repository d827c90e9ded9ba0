//! How the page looks: the state palettes (one table feeds the row colours, the badges and the
//! legend, so they cannot disagree) and the inline style sheet.

use crate::admin::snapshot::{BackendState, VipState};

/// One state as the page shows it.
pub struct Shade {
    /// The name used in `data-state` and in the `st-*` class (the JSON spelling).
    pub name: &'static str,
    /// The row background.
    pub colour: &'static str,
    /// What the legend says about it.
    pub meaning: &'static str,
}

/// Backend rows, coloured after haproxy's stats page, which operators know.
pub const BACKEND_SHADES: [Shade; 6] = [
    Shade {
        name: "up",
        colour: "#c0f0c0",
        meaning: "passes its checks, gets connections",
    },
    Shade {
        name: "going-down",
        colour: "#ffe29a",
        meaning: "up, recent checks failing",
    },
    Shade {
        name: "going-up",
        colour: "#eef7a6",
        meaning: "down, recent checks passing",
    },
    Shade {
        name: "down",
        colour: "#ff9090",
        meaning: "fails its checks, gets nothing",
    },
    Shade {
        name: "drain",
        colour: "#a9cdfa",
        meaning: "set aside by the operator, keeps its sessions",
    },
    Shade {
        name: "maint",
        colour: "#d2b89c",
        meaning: "maintenance, set by the operator",
    },
];

/// VIP rows.
pub const VIP_SHADES: [Shade; 5] = [
    Shade {
        name: "master",
        colour: "#c0f0c0",
        meaning: "this node holds the address",
    },
    Shade {
        name: "backup",
        colour: "#e3eaf3",
        meaning: "another node holds it, this one stands by",
    },
    Shade {
        name: "fault",
        colour: "#ff9090",
        meaning: "this node cannot take it",
    },
    Shade {
        name: "init",
        colour: "#eeeeee",
        meaning: "starting",
    },
    Shade {
        name: "stopped",
        colour: "#d9d9d9",
        meaning: "not running",
    },
];

pub fn backend_shade(state: BackendState) -> &'static Shade {
    let index = match state {
        BackendState::Up => 0,
        BackendState::GoingDown => 1,
        BackendState::GoingUp => 2,
        BackendState::Down => 3,
        BackendState::Drain => 4,
        BackendState::Maint => 5,
    };
    &BACKEND_SHADES[index]
}

pub fn vip_shade(state: VipState) -> &'static Shade {
    let index = match state {
        VipState::Master => 0,
        VipState::Backup => 1,
        VipState::Fault => 2,
        VipState::Init => 3,
        VipState::Stopped => 4,
    };
    &VIP_SHADES[index]
}

/// Whether a backend in `state` gets new connections.
pub fn serving(state: BackendState) -> bool {
    matches!(state, BackendState::Up | BackendState::GoingDown)
}

/// The whole style sheet: the fixed rules, then one `.b-*` / `.v-*` rule per state.
pub fn css() -> String {
    let mut css = String::from(BASE);
    for shade in &BACKEND_SHADES {
        css.push_str(&format!(".b-{}{{background:{}}}", shade.name, shade.colour));
    }
    for shade in &VIP_SHADES {
        css.push_str(&format!(".v-{}{{background:{}}}", shade.name, shade.colour));
    }
    css
}

const BASE: &str = "\
:root{--fg:#1c2430;--muted:#667085;--line:#d8dde4;--bg:#f3f5f8;--head:#1f2d3d}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);\
font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}
header{background:var(--head);color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;\
align-items:baseline;gap:6px 18px}
header h1{margin:0;font-size:19px;letter-spacing:.02em}
header .node{font-size:15px}
header .meta{color:#b8c4d2;font-size:12px}
main{padding:14px 20px 24px;max-width:1500px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px 12px;\
margin:0 0 14px}
h2{font-size:15px;margin:0 0 8px;display:flex;align-items:baseline;gap:10px;flex-wrap:wrap}
h2 .meta{font-weight:normal;color:var(--muted);font-size:12px}
.summary{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 14px;padding:0;list-style:none}
.summary li{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 14px;\
min-width:130px}
.summary b{display:block;font-size:18px}
.summary span{color:var(--muted);font-size:12px}
.summary .bad b{color:#b42318}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:4px 9px;text-align:left;vertical-align:baseline;white-space:nowrap;\
border-bottom:1px solid rgba(0,0,0,.08)}
thead th{color:var(--muted);font-size:11px;font-weight:600;text-transform:uppercase;\
letter-spacing:.03em;background:#f8f9fb;border-bottom:1px solid var(--line)}
th.group{text-align:center;border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{white-space:normal}
td.priority{min-width:17em}
tfoot td{background:#eef1f5;font-weight:600;border-top:2px solid var(--line)}
tfoot td.errors-detail{font-weight:normal;color:#7a2e0e}
.addr{font-family:'DejaVu Sans Mono',ui-monospace,monospace;font-size:12px}
.muted{color:var(--muted)}
.small{font-size:11px}
.state{font-weight:700;text-transform:uppercase;font-size:11px;letter-spacing:.04em}
.tag{display:inline-block;margin-left:6px;padding:0 6px;border-radius:8px;font-size:11px;\
background:#fff3c4;border:1px solid #e5c35a}
.pill{font-size:12px;font-weight:600;padding:1px 9px;border-radius:10px;background:#e3eaf3}
.pill.bad{background:#ff9090}
.pill.warn{background:#ffe29a}
.pill.good{background:#c0f0c0}
.reasons{margin:2px 0 0;padding-left:16px;color:#7a2e0e;font-size:12px}
.check-fail .mark{color:#b42318;font-weight:700}
.check-ok .mark{color:#137333;font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:0;padding:0;list-style:none;\
font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}
.legend .swatch{display:inline-block;min-width:78px;padding:1px 8px;border:1px solid \
rgba(0,0,0,.15);border-radius:3px;font-weight:600}
.legend-group{font-weight:600;color:var(--muted);margin-right:4px}
.events td.message{white-space:normal}
.kind{font-size:11px;font-weight:600;padding:0 6px;border-radius:8px;background:#e3eaf3}
.ev-backend .kind{background:#ffe29a}
.ev-operator .kind{background:#a9cdfa}
.empty{color:var(--muted);font-style:italic;margin:4px 0}
h3{font-size:13px;margin:10px 0 4px}
.g-good{background:#c0f0c0}
.g-bad{background:#ff9090}
.g-wait{background:#ffe29a}
footer{color:var(--muted);font-size:12px;padding:0 20px 20px}
footer a{color:inherit}
";
