//! Users and companies as an admin manages them through `/api/v1` (DESIGN.md §9, §14). These are
//! the only writes to `res.users` and `res.company` after bootstrap: made straight on the system
//! tables as the superuser, never through the data routes, and checked here whole: companies exist,
//! a user keeps at least one company and its company is among them, and the service always keeps
//! an active admin. A change to a user is announced (`Cached::Users`) in the transaction that
//! makes it, so every instance forgets the callers it cached for that user's keys.

use crate::identity::{self, Role};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use weft_store::entity::{console_session, session};
use weft_store::{Cached, Env, Store, StoreError};

/// A company as `/api/v1/companies` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

/// What a PATCH of a company changes; None leaves a field as it is, an empty email or phone clears it.
#[derive(Debug, Clone, Default)]
pub struct CompanyChange {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: Option<bool>,
}

/// A user as `/api/v1/users` shows it (credentials never).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The company the user works in by default.
    pub company_id: i64,
    /// Every company whose records the user may see; `company_id` among them.
    pub company_ids: Vec<i64>,
    pub active: bool,
    /// It has a password, so it can sign in (to the console, when an admin); never the hash.
    pub has_password: bool,
}

/// A user to create, as `/api/v1/users` and the console's form give it: the role defaults to
/// integration, the name to the login, `company_id` to the first of `company_ids`.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub login: String,
    pub name: Option<String>,
    pub password: Option<String>,
    /// `admin` or `integration`.
    pub role: Option<String>,
    pub company_id: Option<i64>,
    pub company_ids: Option<Vec<i64>>,
}

/// What a PATCH of a user changes; None leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub name: Option<String>,
    /// `admin` or `integration`.
    pub role: Option<String>,
    pub company_id: Option<i64>,
    pub company_ids: Option<Vec<i64>>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Bad input, naming the field (HTTP 422).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("no {kind} {id}")]
    NotFound { kind: &'static str, id: i64 },
    /// The change would break a rule that holds across records (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, AccountError>;

fn invalid(field: &'static str, reason: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// A role as the API and the console name it.
pub fn parse_role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| {
        invalid(
            "role",
            format!("must be admin or integration, not '{text}'"),
        )
    })
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn company_select() -> SelectStatement {
    Query::select()
        .columns(["id", "name", "email", "phone", "active"].map(col))
        .from(col("res_company"))
        .order_by(col("id"), sea_orm::Order::Asc)
        .to_owned()
}

async fn companies_where(
    conn: &impl ConnectionTrait,
    select: SelectStatement,
) -> Result<Vec<Company>> {
    let mut found = Vec::new();
    for row in conn.query_all(&select).await.map_err(StoreError::from)? {
        found.push(Company {
            id: row.try_get("", "id").map_err(StoreError::from)?,
            name: row.try_get("", "name").map_err(StoreError::from)?,
            email: row.try_get("", "email").map_err(StoreError::from)?,
            phone: row.try_get("", "phone").map_err(StoreError::from)?,
            active: row.try_get("", "active").map_err(StoreError::from)?,
        });
    }
    Ok(found)
}

/// Every company, archived ones included, by id.
pub async fn list_companies(store: &Store) -> Result<Vec<Company>> {
    companies_where(store.connection(), company_select()).await
}

pub async fn company(store: &Store, id: i64) -> Result<Company> {
    let select = company_select()
        .and_where(Expr::col(col("id")).eq(id))
        .to_owned();
    let found = companies_where(store.connection(), select).await?;
    found.into_iter().next().ok_or(AccountError::NotFound {
        kind: "company",
        id,
    })
}

fn required_text(field: &'static str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(trimmed.to_string())
}

/// An optional text field as written: an empty text clears it (NULL).
fn optional_text(value: &str) -> Value {
    match value.trim() {
        "" => Value::Null,
        text => json!(text),
    }
}

pub async fn create_company(
    store: &Store,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Company> {
    let mut vals = Map::new();
    vals.insert("name".into(), json!(required_text("name", name)?));
    for (field, value) in [("email", email), ("phone", phone)] {
        if let Some(value) = value {
            vals.insert(field.into(), optional_text(value));
        }
    }
    let mut tx = store.begin(&Env::superuser()).await?;
    let id = tx.create("res.company", &vals).await?;
    tx.commit().await?;
    company(store, id).await
}

/// Change a company. It cannot be archived while it is the company of an active user: that user
/// would be left working in a company nobody may use.
pub async fn update_company(store: &Store, id: i64, change: CompanyChange) -> Result<Company> {
    company(store, id).await?;
    let mut vals = Map::new();
    if let Some(name) = &change.name {
        vals.insert("name".into(), json!(required_text("name", name)?));
    }
    for (field, value) in [("email", &change.email), ("phone", &change.phone)] {
        if let Some(value) = value {
            vals.insert(field.into(), optional_text(value));
        }
    }
    if let Some(active) = change.active {
        vals.insert("active".into(), json!(active));
    }
    if vals.is_empty() {
        return company(store, id).await;
    }
    let mut tx = store.begin(&Env::superuser()).await?;
    if change.active == Some(false) {
        let users = Query::select()
            .column(col("login"))
            .from(col("res_users"))
            .and_where(Expr::col(col("company_id")).eq(id))
            .and_where(Expr::col(col("active")).eq(true))
            .order_by(col("login"), sea_orm::Order::Asc)
            .to_owned();
        let rows = tx
            .connection()
            .query_all(&users)
            .await
            .map_err(StoreError::from)?;
        if !rows.is_empty() {
            let logins: Vec<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String>("", "login").ok())
                .collect();
            return Err(AccountError::Conflict(format!(
                "company {id} is the company of active user(s) {}: give them another company_id first",
                logins.join(", ")
            )));
        }
    }
    tx.write("res.company", &[id], &vals).await?;
    tx.commit().await?;
    company(store, id).await
}

fn user_select() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "login",
                "name",
                "role",
                "company_id",
                "active",
                "password_hash",
            ]
            .map(col),
        )
        .from(col("res_users"))
        .order_by(col("id"), sea_orm::Order::Asc)
        .to_owned()
}

async fn users_where(conn: &impl ConnectionTrait, select: SelectStatement) -> Result<Vec<User>> {
    let rows = conn.query_all(&select).await.map_err(StoreError::from)?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("", "id"))
        .collect::<std::result::Result<_, _>>()
        .map_err(StoreError::from)?;
    let memberships = Query::select()
        .columns(["user_id", "cid"].map(col))
        .from(col("res_company_users_rel"))
        .and_where(Expr::col(col("user_id")).is_in(ids))
        .order_by(col("cid"), sea_orm::Order::Asc)
        .to_owned();
    let mut companies: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in conn
        .query_all(&memberships)
        .await
        .map_err(StoreError::from)?
    {
        let user: i64 = r.try_get("", "user_id").map_err(StoreError::from)?;
        companies
            .entry(user)
            .or_default()
            .push(r.try_get("", "cid").map_err(StoreError::from)?);
    }
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("", "id").map_err(StoreError::from)?;
        let company_id: i64 = row.try_get("", "company_id").map_err(StoreError::from)?;
        let mut company_ids = companies.remove(&id).unwrap_or_default();
        // As `identity::caller_of` reads it: the user's company is always one of its companies.
        if !company_ids.contains(&company_id) {
            company_ids.push(company_id);
        }
        let role: String = row.try_get("", "role").map_err(StoreError::from)?;
        users.push(User {
            id,
            login: row.try_get("", "login").map_err(StoreError::from)?,
            name: row.try_get("", "name").map_err(StoreError::from)?,
            role: Role::parse(&role).unwrap_or(Role::Integration),
            company_id,
            company_ids,
            active: row.try_get("", "active").map_err(StoreError::from)?,
            has_password: row
                .try_get::<Option<String>>("", "password_hash")
                .map_err(StoreError::from)?
                .is_some(),
        });
    }
    Ok(users)
}

/// Every user, archived ones included, by id.
pub async fn list_users(store: &Store) -> Result<Vec<User>> {
    users_where(store.connection(), user_select()).await
}

pub async fn user(store: &Store, id: i64) -> Result<User> {
    user_in(store.connection(), id).await
}

async fn user_in(conn: &impl ConnectionTrait, id: i64) -> Result<User> {
    let select = user_select()
        .and_where(Expr::col(col("id")).eq(id))
        .to_owned();
    let found = users_where(conn, select).await?;
    found
        .into_iter()
        .next()
        .ok_or(AccountError::NotFound { kind: "user", id })
}

/// The user's company and companies after a change. `company_ids` replaces the list and must hold
/// the company (the given one, else the current one); a `company_id` given alone is added to the
/// current companies if it is not among them yet.
fn companies_after(
    current: Option<(i64, &[i64])>,
    company_id: Option<i64>,
    company_ids: Option<Vec<i64>>,
) -> Result<(i64, Vec<i64>)> {
    let home = company_id
        .or(current.map(|(home, _)| home))
        .unwrap_or(weft_store::env::MAIN_COMPANY);
    let mut ids = match company_ids {
        Some(ids) if ids.is_empty() => {
            return Err(invalid("company_ids", "a user needs at least one company"));
        }
        Some(ids) => {
            if !ids.contains(&home) {
                let field = if company_id.is_some() {
                    "company_id"
                } else {
                    "company_ids"
                };
                return Err(invalid(
                    field,
                    format!("company {home} (the user's company_id) must be one of company_ids"),
                ));
            }
            ids
        }
        None => {
            let mut ids = current.map_or_else(Vec::new, |(_, ids)| ids.to_vec());
            if !ids.contains(&home) {
                ids.push(home);
            }
            ids
        }
    };
    ids.sort_unstable();
    ids.dedup();
    Ok((home, ids))
}

/// The field an unknown or archived company is reported on: the list when one was given.
fn companies_field(list_given: bool) -> &'static str {
    if list_given {
        "company_ids"
    } else {
        "company_id"
    }
}

/// Every one of `ids` is an active company, else an error naming `field`.
async fn check_companies(
    conn: &impl ConnectionTrait,
    field: &'static str,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let select = company_select()
        .and_where(Expr::col(col("id")).is_in(ids.iter().copied()))
        .to_owned();
    let found = companies_where(conn, select).await?;
    for id in ids {
        match found.iter().find(|c| c.id == *id) {
            None => return Err(invalid(field, format!("company {id} does not exist"))),
            Some(c) if !c.active => {
                return Err(invalid(field, format!("company {id} is archived")));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A password's hash, from the shared pool (`password.rs`): hashing is slow on purpose.
async fn password_hash(password: &str) -> Result<String> {
    if password.is_empty() {
        return Err(invalid("password", "must not be empty"));
    }
    Ok(crate::password::Passwords::shared()
        .hash(password)
        .await
        .map_err(StoreError::from)?)
}

/// Create a user: `company_id` defaults to the main company, `company_ids` to `[company_id]`.
pub async fn create_user(store: &Store, new: NewUser) -> Result<User> {
    let role = parse_role(new.role.as_deref().unwrap_or("integration"))?;
    let login = required_text("login", &new.login)?;
    let name = required_text("name", new.name.as_deref().unwrap_or(&new.login))?;
    if new.password.as_deref() == Some("") {
        return Err(invalid("password", "must not be empty"));
    }
    let company_id = new.company_id.or_else(|| {
        new.company_ids
            .as_ref()
            .and_then(|ids| ids.first().copied())
    });
    let (home, ids) = companies_after(None, company_id, new.company_ids.clone())?;
    let field = companies_field(new.company_ids.is_some());
    check_companies(store.connection(), field, &ids).await?;
    let uid =
        identity::create_user(store, &login, &name, new.password.as_deref(), role, home).await?;
    if ids != [home] {
        let mut tx = store.begin(&Env::superuser()).await?;
        let vals = json!({"company_ids": [[6, 0, ids]]});
        tx.write("res.users", &[uid], vals.as_object().expect("object"))
            .await?;
        tx.commit().await?;
    }
    user(store, uid).await
}

/// The active admins other than `uid`, locked on PostgreSQL until the transaction ends, so two
/// concurrent demotions cannot each see the other admin and leave none.
async fn other_active_admins(conn: &impl ConnectionTrait, uid: i64) -> Result<usize> {
    let mut select = Query::select()
        .column(col("id"))
        .from(col("res_users"))
        .and_where(Expr::col(col("role")).eq(Role::Admin.as_str()))
        .and_where(Expr::col(col("active")).eq(true))
        .to_owned();
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        select.lock(LockType::Update);
    }
    let rows = conn.query_all(&select).await.map_err(StoreError::from)?;
    let mut others = 0;
    for row in rows {
        if row.try_get::<i64>("", "id").map_err(StoreError::from)? != uid {
            others += 1;
        }
    }
    Ok(others)
}

/// Change a user. Deactivating it or changing its password ends its sessions; every change
/// (companies and role included) reaches its API keys on their next request, on every instance.
pub async fn update_user(store: &Store, id: i64, change: UserChange) -> Result<User> {
    let role = change.role.as_deref().map(parse_role).transpose()?;
    let name = change
        .name
        .as_deref()
        .map(|n| required_text("name", n))
        .transpose()?;
    let hash = match &change.password {
        Some(password) => Some(password_hash(password).await?),
        None => None,
    };
    let mut tx = store.begin(&Env::superuser()).await?;
    let current = user_in(tx.connection(), id).await?;
    let mut vals = Map::new();
    if let Some(name) = name {
        vals.insert("name".into(), json!(name));
    }
    if change.company_id.is_some() || change.company_ids.is_some() {
        let field = companies_field(change.company_ids.is_some());
        let (home, ids) = companies_after(
            Some((current.company_id, &current.company_ids)),
            change.company_id,
            change.company_ids.clone(),
        )?;
        // Only what the change adds is checked: a company archived since the user joined it
        // stays among its companies until an admin takes it away.
        let added: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|c| {
                !current.company_ids.contains(c) || (*c == home && home != current.company_id)
            })
            .collect();
        check_companies(tx.connection(), field, &added).await?;
        vals.insert("company_id".into(), json!(home));
        vals.insert("company_ids".into(), json!([[6, 0, ids]]));
    }
    if let Some(active) = change.active {
        vals.insert("active".into(), json!(active));
    }
    let stays_admin =
        role.unwrap_or(current.role) == Role::Admin && change.active.unwrap_or(current.active);
    if current.role == Role::Admin
        && current.active
        && !stays_admin
        && other_active_admins(tx.connection(), id).await? == 0
    {
        return Err(AccountError::Conflict(format!(
            "user {} is the last active admin: make another user admin before demoting or \
             deactivating this one",
            current.login
        )));
    }
    if !vals.is_empty() {
        tx.write("res.users", &[id], &vals).await?;
    }
    let mut update = Query::update();
    update
        .table(col("res_users"))
        .and_where(Expr::col(col("id")).eq(id));
    if let Some(role) = role {
        update.value(col("role"), role.as_str());
    }
    if let Some(hash) = hash {
        update.value(col("password_hash"), hash);
    }
    if role.is_some() || change.password.is_some() {
        tx.connection()
            .execute(&update)
            .await
            .map_err(StoreError::from)?;
    }
    // A new password or a deactivation ends every session of the user: Odoo's and the console's
    // (a stolen cookie must not outlive the reset).
    if change.active == Some(false) || change.password.is_some() {
        let odoo = Query::delete()
            .from_table(session::Entity)
            .and_where(Expr::col(session::Column::UserId).eq(id))
            .to_owned();
        let console = Query::delete()
            .from_table(console_session::Entity)
            .and_where(Expr::col(console_session::Column::UserId).eq(id))
            .to_owned();
        for sessions in [odoo, console] {
            tx.connection()
                .execute(&sessions)
                .await
                .map_err(StoreError::from)?;
        }
    }
    store.announce_in(tx.connection(), Cached::Users).await?;
    tx.commit().await?;
    user(store, id).await
}

/// `update_user` as an admin asks for it on this instance (`/api/v1/users/:id`, the console):
/// this instance's key cache is cleared whatever happened (a failed change left nothing stale, a
/// committed one did; the other instances hear the announcement), so the change reaches the
/// user's keys at their next request.
pub async fn change_user(
    store: &Store,
    keys: &crate::auth::KeyCache,
    id: i64,
    change: UserChange,
) -> Result<User> {
    let changed = update_user(store, id, change).await;
    keys.clear();
    changed
}

#[cfg(test)]
mod tests;
