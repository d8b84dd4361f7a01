//! Idempotency claims on the real store (SQLite, and PostgreSQL when configured), with the clock
//! passed in: a running claim is never taken over while its owner lives, a dead owner's claim is,
//! and a user's keys are capped.

use super::*;
use serde_json::json;
use weft_registry::Registry;
use weft_store::testing::each_backend;

fn request(uid: i64, key: &str) -> Request<'_> {
    Request {
        uid,
        key,
        route: "create_data",
        request_sha256: "same-body",
    }
}

fn run(claim: Claim) -> Running {
    match claim {
        Claim::Run(running) => running,
        Claim::Replay(v) => panic!("expected to run, got a replay of {v}"),
        Claim::Conflict(m) => panic!("expected to run, got conflict: {m}"),
    }
}

fn conflict(claim: Claim) -> String {
    match claim {
        Claim::Conflict(message) => message,
        Claim::Run(_) => panic!("expected conflict, the call would run again"),
        Claim::Replay(v) => panic!("expected conflict, got a replay of {v}"),
    }
}

#[tokio::test]
async fn a_running_claim_is_kept_past_a_minute_and_a_dead_owners_claim_is_taken_over() {
    each_backend(Registry::demo, async |store, _| {
        let policy = Policy::default();
        let (first, second) = (Arc::<Owners>::default(), Arc::<Owners>::default());
        let t0 = Utc::now().naive_utc();
        let at = |seconds| t0 + Duration::seconds(seconds);
        let a = run(claim_as(&first, &store, &request(1, "k"), policy, t0)
            .await
            .unwrap());

        // Another process, 100 s in: the call still runs and renewed its lease at 90 s.
        a.renew_at(at(90), policy).await.unwrap();
        let refused = conflict(
            claim_as(&second, &store, &request(1, "k"), policy, at(100))
                .await
                .unwrap(),
        );
        assert!(refused.contains("still running"), "{refused}");

        // The owning process knows its call runs, even with the lease run out (on SQLite a long
        // call holds the writer the renewal needs).
        let refused = conflict(
            claim_as(&first, &store, &request(1, "k"), policy, at(500))
                .await
                .unwrap(),
        );
        assert!(refused.contains("still running"), "{refused}");

        // The first process stops renewing (it hangs, or died): the other takes the claim over,
        // and the late first call cannot overwrite the response of the one that took over.
        let b = run(claim_as(&second, &store, &request(1, "k"), policy, at(500))
            .await
            .unwrap());
        assert!(!a.complete(&json!({"from": "a"})).await.unwrap());
        assert!(b.complete(&json!({"from": "b"})).await.unwrap());
        match claim_as(&first, &store, &request(1, "k"), policy, at(501))
            .await
            .unwrap()
        {
            Claim::Replay(body) => assert_eq!(body, json!({"from": "b"})),
            _ => panic!("the completed key replays"),
        }

        // A process that died simply stops: its claim goes once the lease is over, not before.
        let dead = run(claim_as(&first, &store, &request(1, "d"), policy, t0)
            .await
            .unwrap());
        drop(dead);
        conflict(
            claim_as(&second, &store, &request(1, "d"), policy, at(59))
                .await
                .unwrap(),
        );
        run(claim_as(&second, &store, &request(1, "d"), policy, at(61))
            .await
            .unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_user_over_the_key_cap_is_refused_naming_it_while_replays_and_others_go_on() {
    each_backend(Registry::demo, async |store, _| {
        let policy = Policy {
            max_keys: 3,
            ..Policy::default()
        };
        let owners = Arc::<Owners>::default();
        let now = Utc::now().naive_utc();
        for key in ["k1", "k2", "k3"] {
            let running = run(claim_as(&owners, &store, &request(7, key), policy, now)
                .await
                .unwrap());
            assert!(running.complete(&json!({"key": key})).await.unwrap());
        }
        let refused = conflict(
            claim_as(&owners, &store, &request(7, "k4"), policy, now)
                .await
                .unwrap(),
        );
        assert!(refused.contains("holds 3 Idempotency-Keys"), "{refused}");
        let held = keys_held(&store, 7, now).await.unwrap();
        assert_eq!(held, 3, "the refused key was not stored");
        match claim_as(&owners, &store, &request(7, "k1"), policy, now)
            .await
            .unwrap()
        {
            Claim::Replay(body) => assert_eq!(body, json!({"key": "k1"})),
            _ => panic!("a key held already still replays at the cap"),
        }
        run(claim_as(&owners, &store, &request(8, "k4"), policy, now)
            .await
            .unwrap());
        // A day later the old keys no longer count.
        let tomorrow = now + Duration::hours(REPLAY_HOURS) + Duration::seconds(1);
        run(
            claim_as(&owners, &store, &request(7, "k4"), policy, tomorrow)
                .await
                .unwrap(),
        );
    })
    .await;
}

#[tokio::test]
async fn a_running_claim_renews_its_own_lease_in_the_background() {
    each_backend(Registry::demo, async |store, _| {
        // A short lease, renewed every 1.5 s; the other process looks after 8 s, past the first
        // lease, with 6 s of renewals to have kept it.
        let policy = Policy {
            lease: Duration::seconds(6),
            ..Policy::default()
        };
        let (first, second) = (Arc::<Owners>::default(), Arc::<Owners>::default());
        let slow = request(1, "slow");
        let claim = claim_as(&first, &store, &slow, policy, Utc::now().naive_utc()).await;
        let running = run(claim.unwrap());
        tokio::time::sleep(std::time::Duration::from_secs(8)).await;
        let now = Utc::now().naive_utc();
        let refused = conflict(
            claim_as(&second, &store, &request(1, "slow"), policy, now)
                .await
                .unwrap(),
        );
        assert!(refused.contains("still running"), "{refused}");
        assert!(running.complete(&json!({"done": true})).await.unwrap());
    })
    .await;
}
