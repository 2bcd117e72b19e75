//! A configuration file read from disk: [`Document::read`], which the core cannot have (it
//! parses text, [`Document::parse`], and reads no file).

use std::path::Path;

use chargepoint_core::config::{Document, Problem};

/// [`Document::read`]: a trait because [`Document`] is the core's type, and this crate adds
/// the file reading to it; bring it into scope (`use chargepoint::config::ReadDocument`) to
/// call `Document::read(path)`.
pub trait ReadDocument: Sized {
    /// Reads and parses the file at `path`; the problem names the file.
    fn read(path: &Path) -> Result<Self, Problem>;
}

impl ReadDocument for Document {
    fn read(path: &Path) -> Result<Document, Problem> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Problem {
            file: label.clone(),
            path: "$".to_string(),
            reason: format!("cannot read the file: {e}"),
        })?;
        Document::parse(label, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named() {
        let p = Document::read(Path::new("/nonexistent/ferrocharge.json")).unwrap_err();
        assert!(p
            .to_string()
            .starts_with("/nonexistent/ferrocharge.json: $: cannot read the file"));
    }
}
