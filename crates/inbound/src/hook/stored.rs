//! Inbound hooks as stored (`weft_inbound_hook`) and their admin operations
//! (`/api/v1/inbound-hooks`): create, list, read, update, delete, and rotate the URL secret, after
//! which the old URL answers 404 at once. Input is checked field by field, the definition against
//! the schema (`definition.rs`), before anything is written.
//!
//! A hook has an owner (`owner_id`), the user its actions run as: by default the admin who created
//! it, and always an active user when set.

use super::definition::Definition;
use crate::identity::{self, sha256_hex};
use sea_orm::{ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value, json};
use weft_store::Store;
use weft_store::admin::{self as source, ConfigError as SourceError, Input, invalid};
use weft_webhook::signing::{Secret, constant_time_eq, random_base62};

pub mod entity {
    use sea_orm::entity::prelude::*;

    /// An inbound hook (DESIGN.md §8).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_inbound_hook")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub model: String,
        pub active: bool,
        /// JSON.
        pub target: String,
        /// JSON.
        pub actions: String,
        pub log_calls: bool,
        pub require_signature: bool,
        /// The URL secret, the hook's only credential.
        pub secret: String,
        /// SHA-256 of `secret`, hex: the lookup key.
        pub secret_hash: String,
        /// `whsec_...`: what signed calls are checked with.
        pub signing_secret: String,
        /// The user the actions run as (`res_users.id`). None only for a hook saved before owners
        /// existed on a database without an admin: such a hook does nothing until given one.
        pub owner_id: Option<i64>,
        /// The models the actions may touch: the allow-list of the admin key that made or last
        /// changed the hook (JSON list); None = every model.
        pub allowed_models: Option<Json>,
        pub create_date: DateTime,
        pub write_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity, Model};

/// The fields a client may send.
const FIELDS: [&str; 9] = [
    "name",
    "model",
    "active",
    "target",
    "actions",
    "log_calls",
    "require_signature",
    "signing_secret",
    "owner_id",
];

/// The `route` of a hook call's receive log: the route, never the URL, whose secret is the hook's
/// credential (the log's `function_name` is the hook's name, its `model` the hook's).
pub const LOG_ROUTE: &str = "/web/hook/{secret}";

/// The path of a hook's URL under `WEFT_PUBLIC_URL`.
pub fn url(public_url: &str, secret: &str) -> String {
    format!("{}/web/hook/{secret}", public_url.trim_end_matches('/'))
}

/// The hook as the API shows it; `signing_secret` only when `with_signing_secret` (the create
/// reply; later at `.../signing-secret`): the URL is the one credential every reply carries.
pub fn view(row: &Model, public_url: &str, with_signing_secret: bool) -> Value {
    let json_of = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let mut view = json!({
        "id": row.id,
        "name": row.name,
        "model": row.model,
        "active": row.active,
        "target": json_of(&row.target),
        "actions": json_of(&row.actions),
        "log_calls": row.log_calls,
        "require_signature": row.require_signature,
        "owner_id": row.owner_id,
        "allowed_models": row.allowed_models,
        "url": url(public_url, &row.secret),
        "create_date": source::odoo_datetime(row.create_date),
        "write_date": source::odoo_datetime(row.write_date),
    });
    if with_signing_secret {
        view["signing_secret"] = json!(row.signing_secret);
    }
    view
}

/// 32 random base62 characters (190 bits), as hard to guess as Odoo's uuid4 and shorter.
fn new_secret() -> String {
    random_base62(32)
}

fn hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// Check `input` into the columns of a hook.
fn checked(input: &Input, store: &Store, row: &mut ActiveModel) -> Result<(), SourceError> {
    let model = source::model(input, store.registry())?;
    Definition::parse(
        store.registry(),
        &model,
        input.raw("target"),
        input.raw("actions"),
    )
    .map_err(|e| invalid(&e.at, e.message))?;
    row.name = ActiveValue::Set(input.required_text("name")?);
    row.model = ActiveValue::Set(model);
    row.active = ActiveValue::Set(input.flag("active", true)?);
    row.target = ActiveValue::Set(input.raw("target").to_string());
    row.actions = ActiveValue::Set(input.raw("actions").to_string());
    row.log_calls = ActiveValue::Set(input.flag("log_calls", false)?);
    row.require_signature = ActiveValue::Set(input.flag("require_signature", false)?);
    Ok(())
}

/// The `owner_id` sent, checked to be an active user; None when not sent.
async fn owner(input: &Input<'_>, store: &Store) -> Result<Option<i64>, SourceError> {
    let id = match input.raw("owner_id") {
        Value::Null => return Ok(None),
        value => value
            .as_i64()
            .filter(|id| *id > 0)
            .ok_or_else(|| invalid("owner_id", "expected a user id"))?,
    };
    match identity::caller_of(store, id, None).await? {
        Some(_) => Ok(Some(id)),
        None => Err(invalid(
            "owner_id",
            format!("no active user {id}: a hook's actions run as its owner"),
        )),
    }
}

fn signing_secret(input: &Input) -> Result<String, SourceError> {
    match input.text("signing_secret")? {
        Some(s) => Secret::parse(&s)
            .map(|s| s.to_string())
            .map_err(|e| invalid("signing_secret", e.to_string())),
        None => Ok(Secret::generate().to_string()),
    }
}

pub async fn list(store: &Store) -> Result<Vec<Model>, SourceError> {
    Ok(Entity::find()
        .order_by_asc(Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get(store: &Store, id: i64) -> Result<Model, SourceError> {
    Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or(SourceError::NotFound("inbound hook", id))
}

/// Who makes or changes a hook: the admin calling, and the models its key may use (None = all),
/// which bound the hook's actions from then on.
pub struct Author<'a> {
    pub uid: i64,
    pub models: Option<&'a [String]>,
}

impl<'a> Author<'a> {
    /// The admin `caller` as the author of a change: the owner of a hook it creates without an
    /// `owner_id`, and its key's models bound the hook (the API and the console alike).
    pub fn of(caller: &'a identity::Caller) -> Author<'a> {
        Author {
            uid: caller.uid,
            models: caller.allowed_models.as_deref(),
        }
    }
}

/// Create a hook; its owner is `owner_id` when sent, else the `author`.
pub async fn create(
    store: &Store,
    values: &Map<String, Value>,
    author: &Author<'_>,
) -> Result<Model, SourceError> {
    let input = Input::new(values, &FIELDS)?;
    let owner_id = owner(&input, store).await?.unwrap_or(author.uid);
    let now = source::now();
    let secret = new_secret();
    let mut row = ActiveModel {
        id: ActiveValue::NotSet,
        secret_hash: ActiveValue::Set(hash(&secret)),
        secret: ActiveValue::Set(secret),
        signing_secret: ActiveValue::Set(signing_secret(&input)?),
        owner_id: ActiveValue::Set(Some(owner_id)),
        allowed_models: ActiveValue::Set(author.models.map(|m| json!(m))),
        create_date: ActiveValue::Set(now),
        write_date: ActiveValue::Set(now),
        ..Default::default()
    };
    checked(&input, store, &mut row)?;
    Ok(row.insert(store.writer()).await?)
}

/// Apply `patch` over the stored hook; the result is checked whole. An `owner_id` is checked only
/// when the patch sends one, so a hook whose owner left can still be switched off. A key limited to
/// some models leaves the hook limited to them.
pub async fn update(
    store: &Store,
    id: i64,
    patch: &Map<String, Value>,
    author: &Author<'_>,
) -> Result<Model, SourceError> {
    let sent = Input::new(patch, &FIELDS)?;
    let stored = get(store, id).await?;
    let new_owner = owner(&sent, store).await?;
    let mut merged = view(&stored, "", false)
        .as_object()
        .cloned()
        .unwrap_or_default();
    merged.retain(|k, _| FIELDS.contains(&k.as_str()));
    merged.extend(patch.clone());
    let input = Input::new(&merged, &FIELDS)?;
    let mut row: ActiveModel = stored.into();
    checked(&input, store, &mut row)?;
    if input.has("signing_secret") {
        row.signing_secret = ActiveValue::Set(signing_secret(&input)?);
    }
    if let Some(owner) = new_owner {
        row.owner_id = ActiveValue::Set(Some(owner));
    }
    if let Some(models) = author.models {
        row.allowed_models = ActiveValue::Set(Some(json!(models)));
    }
    row.write_date = ActiveValue::Set(source::now());
    Ok(row.update(store.writer()).await?)
}

pub async fn delete(store: &Store, id: i64) -> Result<(), SourceError> {
    let result = Entity::delete_by_id(id).exec(store.writer()).await?;
    if result.rows_affected == 0 {
        return Err(SourceError::NotFound("inbound hook", id));
    }
    Ok(())
}

/// A new URL secret: the old URL stops working with this commit.
pub async fn rotate(store: &Store, id: i64) -> Result<Model, SourceError> {
    let mut row: ActiveModel = get(store, id).await?.into();
    let secret = new_secret();
    row.secret_hash = ActiveValue::Set(hash(&secret));
    row.secret = ActiveValue::Set(secret);
    row.write_date = ActiveValue::Set(source::now());
    Ok(row.update(store.writer()).await?)
}

/// The active hook whose URL secret is `secret`. Found by the secret's hash; the secret itself is
/// then compared in constant time.
pub async fn find_by_secret(store: &Store, secret: &str) -> Result<Option<Model>, SourceError> {
    let found = Entity::find()
        .filter(Column::SecretHash.eq(hash(secret)))
        .one(store.connection())
        .await?;
    Ok(found
        .filter(|hook| hook.active && constant_time_eq(hook.secret.as_bytes(), secret.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unlimited author, for changes that do not look at who makes them.
    const ANYONE: Author<'static> = Author {
        uid: 0,
        models: None,
    };
    use crate::identity::Role;
    use weft_registry::Registry;
    use weft_store::testing::each_backend;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn hooks_are_checked_stored_found_by_secret_and_rotated() {
        each_backend(Registry::demo, async |store, _| {
            let admin = identity::create_user(&store, "admin", "Admin", None, Role::Admin, 1)
                .await
                .unwrap();
            let err = create(
                &store,
                &object(json!({"name": "Bad", "model": "res.partner", "target": {"by": "none"},
                               "actions": [{"type": "create", "values": {"colour": "red"}}]})),
                &Author { uid: admin, models: None },
            )
            .await
            .unwrap_err();
            assert!(
                matches!(&err, SourceError::Invalid { field, .. } if field == "actions[0].values.colour"),
                "{err}"
            );
            assert!(list(&store).await.unwrap().is_empty(), "nothing was written");

            let hook = create(
                &store,
                &object(json!({"name": "New contact", "model": "res.partner",
                               "target": {"by": "none"},
                               "actions": [{"type": "create", "values": {"name": {"$payload": "name"}}}]})),
                &Author { uid: admin, models: None },
            )
            .await
            .unwrap();
            assert_eq!(hook.secret.len(), 32);
            assert_eq!(hook.owner_id, Some(admin), "owned by its creator");
            assert!(hook.signing_secret.starts_with("whsec_"));
            let shown = view(&hook, "https://hub.example.com/", true);
            assert_eq!(
                shown["url"],
                format!("https://hub.example.com/web/hook/{}", hook.secret)
            );
            assert_eq!(shown["actions"][0]["type"], "create");
            assert!(view(&hook, "", false).get("signing_secret").is_none());
            assert_eq!(shown["owner_id"], json!(admin));

            let found = find_by_secret(&store, &hook.secret).await.unwrap();
            assert_eq!(found.map(|h| h.id), Some(hook.id));
            assert!(find_by_secret(&store, "nope").await.unwrap().is_none());

            let rotated = rotate(&store, hook.id).await.unwrap();
            assert_ne!(rotated.secret, hook.secret);
            assert!(find_by_secret(&store, &hook.secret).await.unwrap().is_none());
            assert!(find_by_secret(&store, &rotated.secret).await.unwrap().is_some());

            let off = update(&store, hook.id, &object(json!({"active": false})), &ANYONE)
                .await
                .unwrap();
            assert!(!off.active);
            assert_eq!(off.secret, rotated.secret, "an update keeps the URL");
            assert!(find_by_secret(&store, &rotated.secret).await.unwrap().is_none());

            // The owner is an active user, checked when it is set.
            let clerk = identity::create_user(&store, "clerk", "Clerk", None, Role::Integration, 1)
                .await
                .unwrap();
            let owned = update(&store, hook.id, &object(json!({"owner_id": clerk})), &ANYONE)
                .await
                .unwrap();
            assert_eq!(owned.owner_id, Some(clerk));
            for bad in [json!(999), json!("clerk"), json!(0)] {
                let err = update(&store, hook.id, &object(json!({"owner_id": bad})), &ANYONE)
                    .await
                    .unwrap_err();
                assert!(
                    matches!(&err, SourceError::Invalid { field, .. } if field == "owner_id"),
                    "{err}"
                );
            }
            assert_eq!(get(&store, hook.id).await.unwrap().owner_id, Some(clerk));

            delete(&store, hook.id).await.unwrap();
            assert!(matches!(
                get(&store, hook.id).await,
                Err(SourceError::NotFound(..))
            ));
        })
        .await;
    }
}
