//! The codec's errors: where a document is malformed and why, or why a value cannot be written.

/// A document that is not a well-formed XML-RPC call or response: the position (1-based line and
/// column, 0-based byte offset) of the markup at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML-RPC at line {line}, column {column}: {reason}")]
pub struct DecodeError {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub reason: String,
}

impl DecodeError {
    /// The error at byte `offset` of `input`, its line and column counted from the bytes before.
    pub(crate) fn at(input: &[u8], offset: usize, reason: impl Into<String>) -> DecodeError {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // Columns count characters, not bytes: continuation bytes of UTF-8 are skipped.
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        DecodeError {
            line,
            column,
            offset,
            reason: reason.into(),
        }
    }
}

/// A value XML-RPC cannot carry (a null, an integer beyond 64 bits), with the path to it
/// (`result[0].partner_id`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (at {path})")]
pub struct EncodeError {
    pub path: String,
    pub reason: String,
}
