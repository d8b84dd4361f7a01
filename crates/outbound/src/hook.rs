//! The outbound `ChangeHook` (DESIGN.md §2, §6): decides inside the write transaction which rules
//! and subscriptions a change fires, and at commit renders each body and writes its delivery to
//! the outbox in the same transaction, so a rolled-back change sends nothing and a committed one
//! cannot be lost.
//!
//! Before and after are decided on the touched ids with `Tx::matching`: for each `transition` rule
//! once before the write (which of these records matched?) and once after, never per record; in
//! memory from the rows the transaction already holds (the lookup's, the UPDATE's `RETURNING`) when
//! the domain reads only the record's own columns, else one search. A subscription's condition is
//! checked after the change (before it, for `on_unlink`). Bodies
//! are rendered in `before_commit`, so they show the records as the whole transaction left them;
//! an `on_unlink` body is rendered before the delete, while the record still exists.

use crate::catalog::{Catalog, Sources};
use crate::outbox::{self, Event};
use crate::rule::{Mode, Rule};
use crate::source::SourceKind;
use crate::subscription::{Kind, Subscription};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::Notify;
use weft_domain::Domain;
use weft_logstore::LogWriter;
use weft_store::{ChangeHook, ChangeKind, ChangeSet, HookError, HookState, Operation, Touched, Tx};

pub struct OutboundHook {
    sources: Arc<Sources>,
    /// Woken when deliveries commit (the dispatcher of this process waits on it).
    wake: Arc<Notify>,
    /// Where a fired rule with no URL for its record says so.
    logs: LogWriter,
}

impl OutboundHook {
    pub fn new(sources: Arc<Sources>, wake: Arc<Notify>, logs: LogWriter) -> OutboundHook {
        OutboundHook {
            sources,
            wake,
            logs,
        }
    }
}

/// What `before` learnt for `after`.
struct Before {
    catalog: Arc<Catalog>,
    touched: Touched,
    /// `touched.ids`, to look up.
    asked: HashSet<i64>,
    /// For each `transition` rule of the touched model: the touched ids that matched before.
    matched: Vec<(i64, HashSet<i64>)>,
    /// `on_unlink` deliveries, rendered while the records existed; kept only if the delete succeeds.
    unlinked: Vec<outbox::NewDelivery>,
}

/// The events a transaction fired so far, rendered at commit.
#[derive(Default)]
pub(crate) struct Fired {
    pub(crate) events: Vec<Event>,
    /// `on_unlink` bodies, rendered while their records existed.
    pub(crate) rendered: Vec<outbox::NewDelivery>,
}

#[async_trait::async_trait]
impl ChangeHook for OutboundHook {
    fn looks_at(&self, model: &str) -> bool {
        self.sources.current().watches(model)
    }

    fn watches(&self, model: &str) -> bool {
        self.sources.current().compares_values(model)
    }

    async fn before(&self, tx: &Tx, touched: &Touched) -> Result<HookState, HookError> {
        let catalog = self.sources.current();
        if !catalog.watches(&touched.model) {
            return Ok(None);
        }
        let mut matched = Vec::new();
        let mut unlinked_bodies = Vec::new();
        match touched.operation {
            Operation::Write => {
                for rule in catalog.rules(&touched.model) {
                    if rule.mode == Mode::Transition {
                        let ids = matching(tx, &touched.model, &rule.domain, &touched.ids).await?;
                        matched.push((rule.id, ids.into_iter().collect()));
                    }
                }
            }
            Operation::Unlink => unlinked_bodies = unlinked(tx, &catalog, touched).await?,
            Operation::Create => {}
        }
        Ok(Some(Box::new(Before {
            catalog,
            asked: touched.ids.iter().copied().collect(),
            touched: touched.clone(),
            matched,
            unlinked: unlinked_bodies,
        })))
    }

    async fn after(&self, tx: &Tx, changes: &ChangeSet, state: HookState) -> Result<(), HookError> {
        let mut before = state.and_then(|s| s.downcast::<Before>().ok());
        if let Some(b) = before.as_mut()
            && !b.unlinked.is_empty()
        {
            let rendered = std::mem::take(&mut b.unlinked);
            tx.stash(|fired: &mut Fired| fired.rendered.extend(rendered));
        }
        let catalog = match &before {
            Some(b) => b.catalog.clone(),
            None => self.sources.current(),
        };
        let mut events = Vec::new();
        let mut models: Vec<&str> = changes.changes.iter().map(|c| c.model.as_str()).collect();
        models.sort_unstable();
        models.dedup();
        for model in models.into_iter().filter(|m| catalog.watches(m)) {
            let before = before.as_deref().filter(|b| b.touched.model == model);
            for rule in catalog.rules(model) {
                events.extend(rule_events(tx, rule, changes, before).await?);
            }
            for subscription in catalog.subscriptions(model) {
                events.extend(subscription_events(tx, subscription, changes).await?);
            }
        }
        if !events.is_empty() {
            tx.stash(|fired: &mut Fired| fired.events.extend(events));
        }
        Ok(())
    }

    async fn before_commit(&self, tx: &Tx) -> Result<(), HookError> {
        let fired = tx.take_stash::<Fired>();
        if fired.events.is_empty() && fired.rendered.is_empty() {
            return Ok(());
        }
        let catalog = self.sources.current();
        let rendered = outbox::render(tx, &catalog, fired.events).await?;
        let mut deliveries = fired.rendered;
        deliveries.extend(rendered.deliveries);
        outbox::insert(tx, &deliveries).await?;
        let wake = self.wake.clone();
        let logs = self.logs.clone();
        let unsent = rendered.unsent;
        tx.on_commit(move || {
            wake.notify_one();
            if !unsent.is_empty() {
                tokio::spawn(async move {
                    for entry in unsent {
                        logs.record(entry).await;
                    }
                });
            }
        });
        Ok(())
    }
}

/// Which of `ids` match `domain` now (archived records included: a rule sees every record).
async fn matching(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    ids: &[i64],
) -> Result<Vec<i64>, HookError> {
    tx.matching(model, domain, ids)
        .await
        .map_err(|e| HookError(format!("checking {model} against a domain: {e}")))
}

fn ids_of(changes: &ChangeSet, model: &str, kind: ChangeKind) -> Vec<i64> {
    changes
        .of_model(model)
        .filter(|c| c.kind == kind)
        .map(|c| c.id)
        .collect()
}

async fn rule_events(
    tx: &Tx,
    rule: &Rule,
    changes: &ChangeSet,
    before: Option<&Before>,
) -> Result<Vec<Event>, HookError> {
    let fired = match rule.mode {
        Mode::Transition => {
            // Created records count as not matching before; written ones need their before
            // answer, which only the records the operation was called on have.
            let known = before.and_then(|b| b.matched.iter().find(|(id, _)| *id == rule.id));
            let mut candidates = ids_of(changes, &rule.model, ChangeKind::Created);
            if let (Some(b), Some((_, matched_before))) = (before, known) {
                candidates.extend(
                    ids_of(changes, &rule.model, ChangeKind::Updated)
                        .into_iter()
                        .filter(|id| b.asked.contains(id) && !matched_before.contains(id)),
                );
            }
            candidates.extend(written_through(tx, rule, changes, before)?);
            matching(tx, &rule.model, &rule.domain, &candidates).await?
        }
        Mode::MatchingWrite => match before {
            Some(b)
                if b.touched.operation == Operation::Write
                    && b.touched
                        .fields
                        .iter()
                        .any(|f| rule.domain_fields.contains(f)) =>
            {
                matching(tx, &rule.model, &rule.domain, &b.touched.ids).await?
            }
            _ => Vec::new(),
        },
    };
    Ok(fired
        .into_iter()
        .map(|id| Event::new(SourceKind::Rule, rule.id, &rule.model, id, "rule"))
        .collect())
}

/// Records updated by an operation called on another record (lines through their order's x2many
/// command, contacts set null by an `ondelete`) that did not match before: `before` asked nothing
/// about them, so their before rows answer, when the domain reads only the row (otherwise they
/// cannot be told apart and do not fire).
fn written_through(
    tx: &Tx,
    rule: &Rule,
    changes: &ChangeSet,
    before: Option<&Before>,
) -> Result<Vec<i64>, HookError> {
    let asked = |id: i64| before.is_some_and(|b| b.asked.contains(&id));
    let rows: Vec<(i64, &weft_store::Row)> = changes
        .of_model(&rule.model)
        .filter(|c| c.kind == ChangeKind::Updated && !asked(c.id))
        .filter_map(|c| Some((c.id, c.before.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let matched = tx
        .rows_matching(&rule.model, &rule.domain, rows.iter().copied())
        .map_err(|e| HookError(format!("checking {} against a domain: {e}", rule.model)))?;
    let Some(matched) = matched else {
        return Ok(Vec::new());
    };
    let matched: HashSet<i64> = matched.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !matched.contains(id))
        .collect())
}

async fn subscription_events(
    tx: &Tx,
    subscription: &Subscription,
    changes: &ChangeSet,
) -> Result<Vec<Event>, HookError> {
    let model = &subscription.model;
    let candidates: Vec<i64> = match subscription.kind {
        Kind::OnCreate => ids_of(changes, model, ChangeKind::Created),
        Kind::OnWrite => written(tx, subscription, changes).await?,
        Kind::OnUnlink => return Ok(Vec::new()),
    };
    let fired = match &subscription.condition {
        Some(condition) => matching(tx, model, condition, &candidates).await?,
        None => candidates,
    };
    let event = subscription.kind.as_str();
    Ok(fired
        .into_iter()
        .map(|id| Event::new(SourceKind::Subscription, subscription.id, model, id, event))
        .collect())
}

/// The records of an `on_write` subscription's model that were written, and with `fields` set, had
/// one of them changed. After rows are read for this when the catalog says so (`watches`); a
/// subscription added by a reload during the operation finds them missing and reads them here.
async fn written(
    tx: &Tx,
    subscription: &Subscription,
    changes: &ChangeSet,
) -> Result<Vec<i64>, HookError> {
    let updated: Vec<&weft_store::RecordChange> = changes
        .of_model(&subscription.model)
        .filter(|c| c.kind == ChangeKind::Updated)
        .collect();
    if subscription.fields.is_empty() {
        return Ok(updated.iter().map(|c| c.id).collect());
    }
    let missing: Vec<i64> = updated
        .iter()
        .filter(|c| c.after.is_none())
        .map(|c| c.id)
        .collect();
    let mut read = if missing.is_empty() {
        Default::default()
    } else {
        tx.stored_rows(&subscription.model, &missing)
            .await
            .map_err(|e| HookError(format!("reading written records: {e}")))?
    };
    let changed = |c: &weft_store::RecordChange| subscription.fields.iter().any(|f| c.changed(f));
    Ok(updated
        .into_iter()
        .filter(|c| match (&c.after, read.remove(&c.id)) {
            (Some(_), _) => changed(c),
            (None, Some(after)) => changed(&weft_store::RecordChange {
                after: Some(after),
                ..(*c).clone()
            }),
            (None, None) => false,
        })
        .map(|c| c.id)
        .collect())
}

/// `on_unlink` deliveries for the records about to be deleted, rendered now.
async fn unlinked(
    tx: &Tx,
    catalog: &Catalog,
    touched: &Touched,
) -> Result<Vec<outbox::NewDelivery>, HookError> {
    let mut events = Vec::new();
    for subscription in catalog.subscriptions(&touched.model) {
        if subscription.kind != Kind::OnUnlink {
            continue;
        }
        let ids = match &subscription.condition {
            Some(condition) => matching(tx, &touched.model, condition, &touched.ids).await?,
            None => touched.ids.clone(),
        };
        events.extend(ids.into_iter().map(|id| {
            Event::new(
                SourceKind::Subscription,
                subscription.id,
                &touched.model,
                id,
                "on_unlink",
            )
        }));
    }
    Ok(outbox::render(tx, catalog, events).await?.deliveries)
}
