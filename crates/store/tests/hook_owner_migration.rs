//! Migration 000008 gives inbound hooks an owner: a database upgraded with hooks on it gives each
//! the first admin user (the lowest id with the admin role), on SQLite and PostgreSQL.

use sea_orm::{ConnectionTrait, Database};
use weft_migrations::{Migrator, MigratorTrait};
use weft_store::testing::{Backend, TestDb, backends};

#[tokio::test]
async fn hooks_saved_before_owners_get_the_first_admin() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let url = match backend {
            Backend::Sqlite => format!("{}?mode=rwc", db.url),
            Backend::Postgres => db.url.clone(),
        };
        let conn = Database::connect(&url).await.unwrap();
        // The database as it was before owners: the inbound hooks table is the sixth migration.
        Migrator::up(&conn, Some(6)).await.unwrap();
        for sql in [
            "INSERT INTO res_company (name) VALUES ('Main')",
            "INSERT INTO res_users (name, login, company_id, role) VALUES ('Bot', 'bot', 1, 'integration')",
            "INSERT INTO res_users (name, login, company_id, role) VALUES ('Ann', 'ann', 1, 'admin')",
            "INSERT INTO res_users (name, login, company_id, role) VALUES ('Bob', 'bob', 1, 'admin')",
            "INSERT INTO weft_inbound_hook (name, model, target, actions, secret, secret_hash, \
             signing_secret, create_date, write_date) VALUES ('Old', 'res.partner', '{}', '[]', \
             's', 'h', 'whsec_x', '2026-11-30 00:00:00', '2026-11-30 00:00:00')",
        ] {
            conn.execute_unprepared(sql).await.unwrap();
        }
        Migrator::up(&conn, None).await.unwrap();
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                "SELECT h.owner_id, u.login FROM weft_inbound_hook h JOIN res_users u ON u.id = h.owner_id",
            ))
            .await
            .unwrap()
            .expect("the hook has an owner");
        let login: String = row.try_get("", "login").unwrap();
        assert_eq!(
            login, "ann",
            "{backend:?}: the first admin, not an integration user"
        );
        conn.close().await.unwrap();
    }
}
