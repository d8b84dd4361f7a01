//! Test databases: a fresh SQLite file in a temporary directory, and, when `WEFT_TEST_POSTGRES_URL`
//! is set, a fresh PostgreSQL database created for the test and dropped after it (even when the test
//! panics), so runs never see each other's data.

use crate::{ConnectSettings, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use weft_registry::Registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `WEFT_TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if std::env::var("WEFT_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        out.push(Backend::Postgres);
    }
    out
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    _dropper: Option<PgDropper>,
}

struct PgDropper {
    server_url: String,
    name: String,
}

impl Drop for PgDropper {
    fn drop(&mut self) {
        let (url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs outside any runtime we may use: give the cleanup its own thread and runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sea_orm::ConnectionTrait;
                if let Ok(db) = sea_orm::Database::connect(&url).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = db.close().await;
                }
            });
        })
        .join();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("weft.db").display());
                TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                    _dropper: None,
                }
            }
            Backend::Postgres => {
                use sea_orm::ConnectionTrait;
                let server_url =
                    std::env::var("WEFT_TEST_POSTGRES_URL").expect("WEFT_TEST_POSTGRES_URL");
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                let name = format!(
                    "weft_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    nanos
                );
                let db = sea_orm::Database::connect(&server_url)
                    .await
                    .expect("connect to WEFT_TEST_POSTGRES_URL");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                db.close().await.ok();
                let (base, _) = server_url
                    .rsplit_once('/')
                    .expect("postgres URL with a database");
                let url = format!("{base}/{name}");
                TestDb {
                    url,
                    backend,
                    _dir: None,
                    _dropper: Some(PgDropper { server_url, name }),
                }
            }
        }
    }

    /// A store on this database with `registry` applied (tables and data records).
    pub async fn store(&self, registry: Registry) -> Store {
        let store = Store::open(&ConnectSettings::new(&self.url), Arc::new(registry))
            .await
            .expect("open store");
        store.apply_schema(false).await.expect("apply schema");
        store
    }
}

/// Run `test` once per backend, each time on a fresh database holding `registry`.
pub async fn each_backend(registry: fn() -> Registry, test: impl AsyncFn(Store, Backend)) {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = db.store(registry()).await;
        test(store.clone(), backend).await;
        store.close().await.ok();
        eprintln!("ran on {backend:?}");
    }
}
