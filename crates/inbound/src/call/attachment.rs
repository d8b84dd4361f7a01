//! `attachment_ids: [{"name", "datas"}]` at any payload level (research §8): decoded while the
//! payload is converted (so bad base64 fails before anything is written), stored after the
//! create/write in the same transaction: the bytes once per SHA-256 in `weft_blob`, one
//! `weft_attachment` row per file. A line's files go to the line created from the same payload
//! position.

use super::error::{CallError, CallResult, Code};
use super::path::Path;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use weft_store::{Tx, files};

/// Standard alphabet, padding optional (clients differ on it).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug)]
pub(crate) struct NewFile {
    pub name: String,
    pub mimetype: Option<String>,
    pub data: Vec<u8>,
}

/// The files of one payload level and of its lines.
#[derive(Default)]
pub(crate) struct Attachments {
    pub own: Vec<NewFile>,
    pub lines: Vec<LineFiles>,
}

/// Files of the lines of one one2many field, by payload position.
pub(crate) struct LineFiles {
    pub field: String,
    pub comodel: String,
    pub per_line: Vec<Attachments>,
}

impl Attachments {
    pub(crate) fn is_empty(&self) -> bool {
        self.own.is_empty() && self.lines.is_empty()
    }
}

/// Read an `attachment_ids` list; other keys than name, datas and mimetype are `unknown_field`
/// unless `ignore_unknown` (then dropped, as ecosoft does).
pub(crate) fn parse(value: &Value, path: &Path, ignore_unknown: bool) -> CallResult<Vec<NewFile>> {
    let items = match value {
        Value::Null | Value::Bool(false) => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(CallError::invalid(
                path,
                "expected a list of {\"name\": ..., \"datas\": <base64>}",
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_file(item, &path.index(i), ignore_unknown))
        .collect()
}

fn parse_file(item: &Value, path: &Path, ignore_unknown: bool) -> CallResult<NewFile> {
    let object = item
        .as_object()
        .ok_or_else(|| CallError::invalid(path, "expected {\"name\": ..., \"datas\": <base64>}"))?;
    if let Some(key) = object
        .keys()
        .find(|k| !ignore_unknown && !matches!(k.as_str(), "name" | "datas" | "mimetype"))
    {
        return Err(CallError::at(
            Code::UnknownField,
            &path.key(key),
            "an attachment takes only name, datas and mimetype",
        ));
    }
    let text = |key: &str| -> CallResult<&str> {
        match object.get(key) {
            None | Some(Value::Null) => Err(CallError::at(
                Code::MissingField,
                &path.key(key),
                "is required",
            )),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(CallError::invalid(&path.key(key), "expected a string")),
        }
    };
    let name = text("name")?;
    if name.trim().is_empty() {
        return Err(CallError::invalid(&path.key("name"), "must not be empty"));
    }
    let datas = text("datas")?;
    let compact: String = datas.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let data = BASE64.decode(compact.as_bytes()).map_err(|e| {
        CallError::invalid(&path.key("datas"), format!("is not valid base64 ({e})"))
    })?;
    let mimetype = match object.get("mimetype") {
        Some(Value::String(m)) if !m.is_empty() => Some(m.clone()),
        _ => guess_mimetype(name).map(str::to_string),
    };
    Ok(NewFile {
        name: name.to_string(),
        mimetype,
        data,
    })
}

/// Store `plan` on each of `ids` (records of `model` just created or written).
pub(crate) fn store<'a>(
    tx: &'a Tx,
    model: &'a str,
    ids: &'a [i64],
    plan: &'a Attachments,
) -> Pin<Box<dyn Future<Output = CallResult<()>> + Send + 'a>> {
    Box::pin(async move {
        if plan.is_empty() {
            return Ok(());
        }
        for &id in ids {
            for file in &plan.own {
                insert(tx, model, id, file).await?;
            }
        }
        for lines in &plan.lines {
            let rows = tx.read(model, ids, &[lines.field.as_str()]).await?;
            for row in rows {
                // The lines are read in id order, which is the order they were created in.
                let line_ids = row[&lines.field].as_array().cloned().unwrap_or_default();
                for (line, files) in line_ids.iter().zip(&lines.per_line) {
                    if let Some(line) = line.as_i64() {
                        store(tx, &lines.comodel, &[line], files).await?;
                    }
                }
            }
        }
        Ok(())
    })
}

async fn insert(tx: &Tx, model: &str, id: i64, file: &NewFile) -> CallResult<()> {
    let attachment = files::NewAttachment {
        name: &file.name,
        res_model: model,
        res_id: id,
        mimetype: file.mimetype.as_deref(),
        data: &file.data,
        create_uid: tx.env().uid,
    };
    files::attach(tx.connection(), attachment)
        .await
        .map_err(|e| CallError::Internal(format!("storing an attachment: {e}")))
}

/// The common types by extension; anything else is left unknown (null) rather than guessed.
pub(crate) fn guess_mimetype(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    Some(match extension.to_ascii_lowercase().as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "xml" => "application/xml",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn files_decode_and_get_a_mimetype() {
        let files = parse(
            &json!([{"name": "test.txt", "datas": "SGVsbG8gV29ybGQ="}, {"name": "blob", "datas": "SGk"}]),
            &Path::of("attachment_ids"),
            false,
        )
        .unwrap();
        assert_eq!(files[0].data, b"Hello World");
        assert_eq!(files[0].mimetype.as_deref(), Some("text/plain"));
        assert_eq!(files[1].data, b"Hi");
        assert_eq!(files[1].mimetype, None);
    }

    #[test]
    fn bad_base64_names_its_path() {
        let err = parse(
            &json!([{"name": "a.pdf", "datas": "not base64!"}]),
            &Path::of("order_line").index(1).key("attachment_ids"),
            false,
        )
        .unwrap_err()
        .to_api();
        assert_eq!(err.code, "invalid_value");
        assert_eq!(
            err.path.as_deref(),
            Some("order_line[1].attachment_ids[0].datas")
        );
    }
}
