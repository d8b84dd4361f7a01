//! `openapi/weft.json` is the committed OpenAPI document; it must be what `weft openapi` prints.
//! After an intended change run `WEFT_UPDATE_OPENAPI=1 cargo test --workspace --test openapi`.
//! The document's conventions are checked here too: absent values are left out (never `null`), and
//! every `/api/v1` operation documents its transport errors with the JSON error body.

use std::path::Path;
use std::process::Command;

fn committed_document() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/weft.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_committed_openapi_document_is_current() {
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("openapi")
        .env_remove("WEFT_PUBLIC_URL")
        .env_remove("WEFT_LISTEN")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run weft openapi");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8(output.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/weft.json");
    if std::env::var("WEFT_UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/weft.json is stale: run WEFT_UPDATE_OPENAPI=1 cargo test --workspace --test openapi"
    );
    let spec: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for path in [
        "/api/create_data",
        "/api/update_data",
        "/api/create_update_data",
        "/api/search_data",
        "/api/call_function",
        "/web/session/authenticate",
        "/api/v1/parameters",
        "/api/v1/api-keys",
        "/api/v1/users/{id}",
        "/api/v1/companies",
        "/api/v1/companies/{id}",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
}

/// The convention for an absent optional value is to leave its key out: `Option<T>` is documented as
/// a non-required `T` (not nullable), so a `null` would break the document. poem-openapi sends `null`
/// unless the Object says `skip_serializing_if_is_none`, so every Object of the server must say it
/// (the JSON-RPC shapes of `schema.rs` too, whose hand-built replies leave absent keys out likewise).
#[test]
fn every_object_leaves_absent_values_out() {
    let mut forgotten = Vec::new();
    let mut objects = 0;
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if !(line.contains("derive(") && line.contains("Object")) {
                continue;
            }
            objects += 1;
            let attribute = lines.get(n + 1).map(|l| l.trim()).unwrap_or_default();
            if !(attribute.starts_with("#[oai(")
                && attribute.contains("skip_serializing_if_is_none"))
            {
                forgotten.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    assert!(
        objects > 40,
        "found only {objects} Objects: is the walk broken?"
    );
    assert!(
        forgotten.is_empty(),
        "these Objects would send null for an absent value; put #[oai(skip_serializing_if_is_none)] \
         on the line after the derive: {forgotten:?}"
    );
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// No schema declares a value nullable: the one convention is "absent means left out".
#[test]
fn no_schema_is_nullable() {
    let spec = committed_document();
    let text = spec.to_string();
    assert!(!text.contains("\"nullable\":true"), "a schema is nullable");
}

/// Every `/api/v1` operation documents the refusals it can meet, the transport ones included, each
/// with the JSON error body; the JSON-RPC routes document their 413 and 429 likewise.
#[test]
fn every_operation_documents_its_errors_as_json() {
    let spec = committed_document();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let expected: &[&str] = if path.starts_with("/api/v1") {
            &["400", "401", "403", "404", "413", "415", "422", "500"]
        } else if path.starts_with("/api/") || path.starts_with("/web/session") {
            &["413", "429"]
        } else {
            continue;
        };
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            for status in expected {
                let content = operation["responses"][status]["content"].as_object();
                let json_schema = content
                    .into_iter()
                    .flatten()
                    .find(|(media, _)| media.starts_with("application/json"))
                    .map(|(_, media)| &media["schema"]["$ref"]);
                assert_eq!(
                    json_schema,
                    Some(&serde_json::json!("#/components/schemas/ErrorBody")),
                    "{method} {path} does not document {status} with the JSON error body"
                );
            }
        }
    }
    assert!(operations > 40, "found only {operations} operations");
}
