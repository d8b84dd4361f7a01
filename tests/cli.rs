//! The real `weft` binary on real databases: `migrate`, `schema check` and `schema apply`, on a
//! SQLite file and (when `WEFT_TEST_POSTGRES_URL` is set) on a PostgreSQL database made for the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use weft_store::testing::{TestDb, backends};

fn weft(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .env("WEFT_DATABASE_URL", url)
        .env_remove("WEFT_SCHEMA")
        .env("WEFT_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run weft")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn demo_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../registry/src/demo.toml")
}

#[test]
fn schema_check_accepts_the_demo_and_lists_every_problem() {
    let ok = weft(
        "sqlite::memory:",
        &["schema", "check", demo_schema().to_str().unwrap()],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("ok (11 models"), "{}", text(&ok));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        r#"[models."x.order".fields]
partner_id = { type = "many2one", comodel = "x.nothing" }
state = { type = "selection", selection = [["a", "A"]], default = "b" }
"#,
    )
    .unwrap();
    let refused = weft(
        "sqlite::memory:",
        &["schema", "check", bad.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(
        message.contains("x.order.partner_id: unknown comodel 'x.nothing'"),
        "{message}"
    );
    assert!(message.contains("x.order.state: bad default"), "{message}");
}

#[tokio::test]
async fn migrate_and_schema_apply_set_up_a_database_once() {
    const NOTES: &str = "comment = { type = \"html\", string = \"Notes\" }";
    let demo = std::fs::read_to_string(demo_schema()).unwrap();
    assert!(
        demo.contains(NOTES),
        "the demo schema still declares res.partner.comment"
    );
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let migrated = weft(&db.url, &["migrate"]);
        assert!(
            migrated.status.success(),
            "{backend:?}: {}",
            text(&migrated)
        );

        let applied = weft(&db.url, &["schema", "apply"]);
        assert!(applied.status.success(), "{backend:?}: {}", text(&applied));
        assert!(
            text(&applied).contains("create table sale_order for sale.order"),
            "{}",
            text(&applied)
        );
        let again = weft(&db.url, &["schema", "apply"]);
        assert!(
            text(&again).contains("schema is up to date"),
            "{backend:?}: {}",
            text(&again)
        );

        let dir = tempfile::tempdir().unwrap();
        let extended = dir.path().join("extended.toml");
        std::fs::write(
            &extended,
            demo.replace(NOTES, &format!("{NOTES}\nwebsite = {{ type = \"char\" }}")),
        )
        .unwrap();
        let dry = weft(
            &db.url,
            &["schema", "apply", "--dry-run", extended.to_str().unwrap()],
        );
        assert!(
            text(&dry).contains("would add field res.partner.website"),
            "{}",
            text(&dry)
        );

        let shrunk = dir.path().join("shrunk.toml");
        std::fs::write(&shrunk, demo.replace(NOTES, "")).unwrap();
        let refused = weft(&db.url, &["schema", "apply", shrunk.to_str().unwrap()]);
        assert!(!refused.status.success());
        assert!(
            text(&refused).contains("drop field res.partner.comment"),
            "{}",
            text(&refused)
        );
        let forced = weft(
            &db.url,
            &["schema", "apply", "--force", shrunk.to_str().unwrap()],
        );
        assert!(forced.status.success(), "{}", text(&forced));
        eprintln!("ran on {backend:?}");
    }
}
