//! Who a transaction acts for: the user (stamped on `create_uid`/`write_uid`), the company new records
//! belong to, and the companies whose records it may see. A user never reads or writes records of a
//! company it is not allowed; records without a company are shared.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub uid: Option<i64>,
    /// The company new company-scoped records get when none is given.
    pub company_id: i64,
    /// Companies whose records are visible (the current one included).
    pub company_ids: Vec<i64>,
    /// Sees every company (the CLI, schema data loading).
    pub superuser: bool,
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
        }
    }

    /// A user working in `company_id`, allowed `company_ids` (which should contain it).
    pub fn user(uid: i64, company_id: i64, company_ids: Vec<i64>) -> Env {
        Env {
            uid: Some(uid),
            company_id,
            company_ids,
            superuser: false,
        }
    }

    pub fn may_see_company(&self, company_id: Option<i64>) -> bool {
        self.superuser || company_id.is_none_or(|c| self.company_ids.contains(&c))
    }
}
