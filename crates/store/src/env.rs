//! Who a transaction acts for: the user (stamped on `create_uid`/`write_uid`), the company new records
//! belong to, and the companies whose records it may see. A user never reads or writes records of a
//! company it is not allowed; records without a company are shared. An API key may also limit the
//! models a transaction touches (`models`).

use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub uid: Option<i64>,
    /// The company new company-scoped records get when none is given.
    pub company_id: i64,
    /// Companies whose records are visible (the current one included).
    pub company_ids: Vec<i64>,
    /// Sees every company (the CLI, schema data loading).
    pub superuser: bool,
    /// The only models this transaction may read or write (an API key's `allowed_models`); None =
    /// every model. Display names of many2one values are not bounded by it, as in Odoo.
    pub models: Option<Arc<BTreeSet<String>>>,
}

/// The main company every fresh database has.
pub const MAIN_COMPANY: i64 = 1;

impl Env {
    pub fn superuser() -> Env {
        Env {
            uid: None,
            company_id: MAIN_COMPANY,
            company_ids: vec![MAIN_COMPANY],
            superuser: true,
            models: None,
        }
    }

    /// A user working in `company_id`, allowed `company_ids` (which should contain it).
    pub fn user(uid: i64, company_id: i64, company_ids: Vec<i64>) -> Env {
        Env {
            uid: Some(uid),
            company_id,
            company_ids,
            superuser: false,
            models: None,
        }
    }

    /// This env limited to `models` (None = every model).
    pub fn with_models(mut self, models: Option<&[String]>) -> Env {
        self.models = models.map(|m| Arc::new(m.iter().cloned().collect()));
        self
    }

    /// Whether the allow-list lets this env touch `model`.
    pub fn may_use_model(&self, model: &str) -> bool {
        self.models.as_ref().is_none_or(|m| m.contains(model))
    }

    pub fn may_see_company(&self, company_id: Option<i64>) -> bool {
        self.superuser || company_id.is_none_or(|c| self.company_ids.contains(&c))
    }
}
