//! Where in the request a value sits, written the way errors report it: `order_line[2].product_id`,
//! 0-based, from the payload root (keys outside the payload, such as `search_key`, start at `vals`).

use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    pub(crate) fn root() -> Path {
        Path::default()
    }

    pub(crate) fn of(key: &str) -> Path {
        Path(key.to_string())
    }

    pub(crate) fn key(&self, key: &str) -> Path {
        if self.0.is_empty() {
            Path(key.to_string())
        } else {
            Path(format!("{}.{key}", self.0))
        }
    }

    pub(crate) fn index(&self, index: usize) -> Path {
        Path(format!("{}[{index}]", self.0))
    }

    /// This path followed by `relative` (a path the store reported from a nested record).
    pub(crate) fn join(&self, relative: &str) -> Path {
        if self.0.is_empty() {
            Path(relative.to_string())
        } else if relative.is_empty() {
            self.clone()
        } else {
            Path(format!("{}.{relative}", self.0))
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The field a path ends at: `order_line[2].product_id` -> `product_id`, `attachment_ids[0]` ->
/// `attachment_ids`.
pub(crate) fn last_field(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_the_payload() {
        let p = Path::root().key("order_line").index(2).key("product_id");
        assert_eq!(p.as_str(), "order_line[2].product_id");
        assert_eq!(last_field(p.as_str()), "product_id");
        assert_eq!(last_field("attachment_ids[0]"), "attachment_ids");
        assert_eq!(last_field("tag_ids"), "tag_ids");
        assert_eq!(
            Path::of("auto_create").join("name").as_str(),
            "auto_create.name"
        );
        assert_eq!(Path::root().join("name").as_str(), "name");
    }
}
