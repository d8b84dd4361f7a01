//! `openapi/weft.json` is the committed OpenAPI document; it must be what `weft openapi` prints.
//! After an intended change run `WEFT_UPDATE_OPENAPI=1 cargo test -p weft-server --test openapi`.

use std::path::Path;
use std::process::Command;

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
        "openapi/weft.json is stale: run WEFT_UPDATE_OPENAPI=1 cargo test -p weft-server --test openapi"
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
