//! Logins and sessions on the real store: every refused login costs the same one Argon2
//! verification (no enumeration of logins by timing), and expired sessions are refused and purged.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use weft_inbound::identity::{self, Role};
use weft_inbound::password::Passwords;
use weft_registry::Registry;
use weft_store::entity::session;
use weft_store::env::MAIN_COMPANY;
use weft_store::testing::each_backend;

#[tokio::test]
async fn unknown_passwordless_and_wrong_logins_each_run_one_verification_like_a_good_one() {
    each_backend(Registry::demo, async |store, _| {
        let with = "with-password";
        identity::create_user(
            &store,
            with,
            "W",
            Some("right"),
            Role::Integration,
            MAIN_COMPANY,
        )
        .await
        .unwrap();
        identity::create_user(
            &store,
            "no-password",
            "N",
            None,
            Role::Integration,
            MAIN_COMPANY,
        )
        .await
        .unwrap();
        let passwords = Passwords::new(2);
        let mut expected = 0;
        for (login, password) in [
            ("nobody-by-this-name", "right"),
            ("no-password", ""),
            ("no-password", "right"),
            (with, "wrong"),
        ] {
            let outcome = identity::login(&store, &passwords, login, password)
                .await
                .unwrap();
            assert!(outcome.is_none(), "{login}/{password} was let in");
            expected += 1;
            assert_eq!(
                passwords.verifications(),
                expected,
                "{login}/{password} must cost exactly one verification"
            );
        }
        let (caller, _sid) = identity::login(&store, &passwords, with, "right")
            .await
            .unwrap()
            .expect("the right password opens a session");
        assert_eq!(caller.login, with);
        assert_eq!(passwords.verifications(), expected + 1);
    })
    .await;
}

#[tokio::test]
async fn an_expired_session_is_refused_and_purged_while_a_live_one_stays() {
    each_backend(Registry::demo, async |store, _| {
        identity::create_user(
            &store,
            "s",
            "S",
            Some("pw"),
            Role::Integration,
            MAIN_COMPANY,
        )
        .await
        .unwrap();
        let passwords = Passwords::new(1);
        let open = async || {
            identity::login(&store, &passwords, "s", "pw")
                .await
                .unwrap()
                .expect("a session")
                .1
        };
        let (stale, live) = (open().await, open().await);
        // Age the first session past its expiry, as a week without use would.
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
        session::Entity::update_many()
            .col_expr(
                session::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(past),
            )
            .filter(session::Column::SidSha256.eq(identity::sha256_hex(stale.as_bytes())))
            .exec(store.writer())
            .await
            .unwrap();
        let caller = identity::caller_by_session(&store, &stale).await.unwrap();
        assert!(
            caller.is_none(),
            "an expired session is refused before any purge"
        );
        assert_eq!(identity::purge_expired_sessions(&store).await.unwrap(), 1);
        let left = session::Entity::find()
            .count(store.connection())
            .await
            .unwrap();
        assert_eq!(left, 1, "only the expired session is deleted");
        let caller = identity::caller_by_session(&store, &live).await.unwrap();
        assert!(caller.is_some(), "the live session still works");
        assert_eq!(identity::purge_expired_sessions(&store).await.unwrap(), 0);
    })
    .await;
}
