//! The sources in memory: every write transaction asks which rules and subscriptions watch its
//! model, and every delivery needs its source's secrets, so they are read from the database once
//! and again after each change (this instance's own at once; other instances' on PostgreSQL when
//! the change is announced). A reload swaps the whole catalog, so a reader never sees half of one.

use crate::entity::{rule as rule_entity, subscription as subscription_entity};
use crate::rule::Rule;
use crate::source::{Limits, Signing, SourceKind};
use crate::subscription::Subscription;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use weft_store::{Result, Store};
use weft_webhook::hosts::CredentialHosts;

/// What the dispatcher needs of a source to send its deliveries.
#[derive(Debug, Clone)]
pub struct SourceSettings {
    pub name: String,
    pub signing: Signing,
    pub limits: Limits,
    /// A rule's `Authorization` header.
    pub auth_header: Option<String>,
    /// The hosts `auth_header` may be sent to (DESIGN.md §14).
    pub auth_hosts: CredentialHosts,
}

#[derive(Debug, Default, Clone)]
pub struct Catalog {
    rules: HashMap<String, Vec<Arc<Rule>>>,
    subscriptions: HashMap<String, Vec<Arc<Subscription>>>,
    settings: HashMap<(SourceKind, i64), SourceSettings>,
    /// URLs a receiver answered 410 for, per source.
    retired: HashSet<(SourceKind, i64, String)>,
}

impl Catalog {
    /// Active rules of `model`, by id.
    pub fn rules(&self, model: &str) -> &[Arc<Rule>] {
        self.rules.get(model).map_or(&[], Vec::as_slice)
    }

    /// Active subscriptions of `model`, by id.
    pub fn subscriptions(&self, model: &str) -> &[Arc<Subscription>] {
        self.subscriptions.get(model).map_or(&[], Vec::as_slice)
    }

    /// An active subscription by id.
    pub fn subscription(&self, id: i64) -> Option<Arc<Subscription>> {
        self.subscriptions
            .values()
            .flatten()
            .find(|s| s.id == id)
            .cloned()
    }

    pub fn watches(&self, model: &str) -> bool {
        self.rules.contains_key(model) || self.subscriptions.contains_key(model)
    }

    /// Whether deciding what fires needs the records' after rows: only an `on_write`
    /// subscription limited to `fields` compares values; the rest ask the database.
    pub fn compares_values(&self, model: &str) -> bool {
        self.subscriptions(model)
            .iter()
            .any(|s| s.kind == crate::subscription::Kind::OnWrite && !s.fields.is_empty())
    }

    /// Any source, active or not (its deliveries still go out).
    pub fn settings(&self, kind: SourceKind, id: i64) -> Option<&SourceSettings> {
        self.settings.get(&(kind, id))
    }

    /// The longest timeout a source sets itself (0 when none does).
    pub fn longest_timeout(&self) -> u32 {
        self.settings
            .values()
            .filter_map(|s| s.limits.timeout_s)
            .max()
            .unwrap_or(0)
    }

    pub fn is_retired(&self, kind: SourceKind, id: i64, url: &str) -> bool {
        !self.retired.is_empty() && self.retired.contains(&(kind, id, url.to_string()))
    }

    async fn load(store: &Store) -> Result<Catalog> {
        let conn = store.connection();
        let mut catalog = Catalog::default();
        for row in rule_entity::Entity::find().all(conn).await? {
            match Rule::from_row(&row, store.registry()) {
                Ok(rule) => catalog.add_rule(rule, row.active),
                Err(e) => {
                    tracing::error!(rule = row.id, error = %e, "an outbound rule cannot be read; it is left out")
                }
            }
        }
        for row in subscription_entity::Entity::find().all(conn).await? {
            match Subscription::from_row(&row, store.registry()) {
                Ok(subscription) => catalog.add_subscription(subscription, row.active),
                Err(e) => {
                    tracing::error!(subscription = row.id, error = %e, "a subscription cannot be read; it is left out")
                }
            }
        }
        let retired = conn
            .query_all_raw(Statement::from_string(
                store.backend(),
                "SELECT source_kind, source_id, url FROM weft_retired_url",
            ))
            .await?;
        for row in retired {
            let kind: String = row.try_get("", "source_kind")?;
            if let Some(kind) = SourceKind::parse(&kind) {
                catalog.retired.insert((
                    kind,
                    row.try_get("", "source_id")?,
                    row.try_get("", "url")?,
                ));
            }
        }
        Ok(catalog)
    }

    fn add_rule(&mut self, rule: Rule, active: bool) {
        self.settings
            .insert((SourceKind::Rule, rule.id), rule_settings(&rule));
        if active {
            self.rules
                .entry(rule.model.clone())
                .or_default()
                .push(Arc::new(rule));
        }
    }

    fn add_subscription(&mut self, subscription: Subscription, active: bool) {
        self.settings.insert(
            (SourceKind::Subscription, subscription.id),
            subscription_settings(&subscription),
        );
        if active {
            self.subscriptions
                .entry(subscription.model.clone())
                .or_default()
                .push(Arc::new(subscription));
        }
    }
}

fn rule_settings(rule: &Rule) -> SourceSettings {
    SourceSettings {
        name: rule.name.clone(),
        signing: rule.signing.clone(),
        limits: rule.limits,
        auth_header: rule.auth_header.clone(),
        auth_hosts: rule.credential_hosts(),
    }
}

fn subscription_settings(subscription: &Subscription) -> SourceSettings {
    SourceSettings {
        name: subscription.name.clone(),
        signing: subscription.signing.clone(),
        limits: subscription.limits,
        auth_header: None,
        auth_hosts: CredentialHosts::default(),
    }
}

/// The settings of one source read from the database, as a catalog load reads them (for a page
/// that shows what a delivery sends, without the dispatcher's catalog). None when the source is
/// gone or cannot be read: the dispatcher then sends nothing of it either.
pub async fn settings_of(
    store: &Store,
    kind: SourceKind,
    id: i64,
) -> Result<Option<SourceSettings>> {
    let conn = store.connection();
    let settings = match kind {
        SourceKind::Rule => rule_entity::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|row| Rule::from_row(&row, store.registry()).ok())
            .map(|rule| rule_settings(&rule)),
        SourceKind::Subscription => subscription_entity::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|row| Subscription::from_row(&row, store.registry()).ok())
            .map(|subscription| subscription_settings(&subscription)),
    };
    Ok(settings)
}

/// The current catalog, shared by the hook, the dispatcher and the admin routes.
pub struct Sources {
    store: Store,
    current: RwLock<Arc<Catalog>>,
    /// Reloads one at a time, so the last to finish read the newest rows.
    reloading: tokio::sync::Mutex<()>,
}

impl Sources {
    pub async fn load(store: Store) -> Result<Arc<Sources>> {
        let catalog = Catalog::load(&store).await?;
        Ok(Arc::new(Sources {
            store,
            current: RwLock::new(Arc::new(catalog)),
            reloading: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn current(&self) -> Arc<Catalog> {
        self.current.read().expect("catalog lock").clone()
    }

    /// Stop writing deliveries for `url` of this source at once (a 410 just came back); the
    /// database learns it with the attempt's outcome.
    pub fn retire(&self, kind: SourceKind, id: i64, url: &str) {
        let mut current = self.current.write().expect("catalog lock");
        let mut catalog = Catalog::clone(&current);
        catalog.retired.insert((kind, id, url.to_string()));
        *current = Arc::new(catalog);
    }

    /// After a change to a rule or subscription was committed: read them again here and tell
    /// the other instances (PostgreSQL). Failures are logged: the change itself is stored.
    pub async fn changed(&self) {
        if let Err(e) = self.reload().await {
            tracing::error!(error = %e, "re-reading the outbound sources failed");
        }
        if let Err(e) = self
            .store
            .announce_in(self.store.writer(), weft_store::Cached::Sources)
            .await
        {
            tracing::warn!(error = %e, "announcing a change of the outbound sources failed");
        }
    }

    /// Read the sources again (after a change was committed).
    pub async fn reload(&self) -> Result<()> {
        let _one_at_a_time = self.reloading.lock().await;
        let catalog = Catalog::load(&self.store).await?;
        *self.current.write().expect("catalog lock") = Arc::new(catalog);
        Ok(())
    }
}
