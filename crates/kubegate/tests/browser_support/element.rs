//! An element of the page a [`Browser`] shows: its text, attributes, properties and computed
//! style, and the elements inside it.

use serde_json::{json, Value};

use super::colour::Rgba;
use super::wire::{by_css, string};
use super::Browser;

/// An element of the current document.
pub struct Element<'a> {
    pub(super) browser: &'a Browser,
    pub(super) id: String,
}

impl<'a> Element<'a> {
    fn command(&self, method: &str, suffix: &str, body: Option<Value>) -> Value {
        let suffix = format!("/element/{}{suffix}", self.id);
        self.browser.command(method, &suffix, body)
    }

    /// The rendered text, as a user would read it.
    pub fn text(&self) -> String {
        string(self.command("GET", "/text", None))
    }

    /// An attribute of the markup; `None` when absent.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.command("GET", &format!("/attribute/{name}"), None)
            .as_str()
            .map(str::to_owned)
    }

    /// A DOM property (`className`, `checked`, …).
    pub fn property(&self, name: &str) -> Value {
        self.command("GET", &format!("/property/{name}"), None)
    }

    /// The computed value of a CSS property (`background-color` → `rgba(255, 144, 144, 1)`).
    pub fn css(&self, property: &str) -> String {
        string(self.command("GET", &format!("/css/{property}"), None))
    }

    /// The computed colour of a CSS colour property.
    pub fn colour(&self, property: &str) -> Rgba {
        let value = self.css(property);
        Rgba::parse(&value).unwrap_or_else(|| panic!("{property} is not a colour: {value:?}"))
    }

    pub fn tag_name(&self) -> String {
        string(self.command("GET", "/name", None))
    }

    pub fn is_displayed(&self) -> bool {
        self.command("GET", "/displayed", None).as_bool() == Some(true)
    }

    pub fn click(&self) {
        self.command("POST", "/click", Some(json!({})));
    }

    /// The first descendant matching `selector`; the test fails when there is none.
    pub fn find(&self, selector: &str) -> Element<'a> {
        self.find_all(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element inside matches `{selector}`"))
    }

    pub fn find_all(&self, selector: &str) -> Vec<Element<'a>> {
        let found = self.command("POST", "/elements", Some(by_css(selector)));
        self.browser.elements(found)
    }
}
