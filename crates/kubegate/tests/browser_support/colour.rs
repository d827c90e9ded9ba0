//! CSS colours as the browser reports them (`rgb(255, 144, 144)`, `rgba(0, 0, 0, 0)`) and as
//! style sheets write them (`#ff9090`), reduced to one comparable value.

/// Red, green, blue and alpha (0..=255).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba(pub u8, pub u8, pub u8, pub u8);

impl Rgba {
    /// Parses `#rgb`, `#rrggbb`, `rgb(r, g, b)` and `rgba(r, g, b, a)` (alpha 0..1).
    pub fn parse(text: &str) -> Option<Rgba> {
        let text = text.trim();
        if let Some(hex) = text.strip_prefix('#') {
            let digits: Vec<u8> = hex
                .chars()
                .map(|c| c.to_digit(16).map(|d| d as u8))
                .collect::<Option<_>>()?;
            return match digits[..] {
                [r, g, b] => Some(Rgba(r * 17, g * 17, b * 17, 255)),
                [r1, r2, g1, g2, b1, b2] => {
                    Some(Rgba(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2, 255))
                }
                _ => None,
            };
        }
        let inner = text
            .strip_prefix("rgba(")
            .or_else(|| text.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let channel = |s: &str| s.parse::<u8>().ok();
        match parts[..] {
            [r, g, b] => Some(Rgba(channel(r)?, channel(g)?, channel(b)?, 255)),
            [r, g, b, a] => {
                let alpha: f64 = a.parse().ok()?;
                if !(0.0..=1.0).contains(&alpha) {
                    return None;
                }
                let alpha = (alpha * 255.0).round() as u8;
                Some(Rgba(channel(r)?, channel(g)?, channel(b)?, alpha))
            }
            _ => None,
        }
    }

    /// Fully transparent: the element paints no background of its own.
    pub fn is_transparent(&self) -> bool {
        self.3 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::Rgba;

    #[test]
    fn parses_what_browsers_and_style_sheets_write() {
        assert_eq!(Rgba::parse("#ff9090"), Some(Rgba(255, 144, 144, 255)));
        assert_eq!(Rgba::parse("#fff"), Some(Rgba(255, 255, 255, 255)));
        assert_eq!(Rgba::parse("rgb(255, 144, 144)"), Rgba::parse("#ff9090"));
        assert_eq!(
            Rgba::parse("rgba(255, 144, 144, 1)"),
            Rgba::parse("#ff9090")
        );
        assert!(Rgba::parse("rgba(0, 0, 0, 0)").unwrap().is_transparent());
        assert_eq!(Rgba::parse("red"), None);
        assert_eq!(Rgba::parse("rgb(300, 0, 0)"), None);
    }
}
