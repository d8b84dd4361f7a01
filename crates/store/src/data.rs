//! What the store numbers and loads itself: name sequences (SO00042) and the data records of the
//! schema, loaded once and remembered by key.

use crate::error::{Result, StoreError};
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde_json::{Map, Value};
use weft_registry::{Field, Model, SequenceSpec};

impl Tx {
    /// The next name from a sequence, e.g. `SO00042`. Safe under concurrency: the row is updated in
    /// the caller's write transaction.
    pub(crate) async fn next_sequence(
        &self,
        model: &Model,
        field: &Field,
        spec: &SequenceSpec,
    ) -> Result<String> {
        // One statement: the first use inserts 2 (and takes 1), later ones add 1 and take the old value.
        let next = Query::insert()
            .into_table(Alias::new("weft_sequence"))
            .columns([
                Alias::new("res_model"),
                Alias::new("field"),
                Alias::new("next_number"),
            ])
            .values_panic([
                model.name.clone().into(),
                field.name.clone().into(),
                2i64.into(),
            ])
            .on_conflict(
                OnConflict::columns([Alias::new("res_model"), Alias::new("field")])
                    .value(
                        Alias::new("next_number"),
                        Expr::col((Alias::new("weft_sequence"), Alias::new("next_number"))).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(Alias::new("next_number"))
            .to_owned();
        let row = self
            .conn
            .query_one(&next)
            .await?
            .ok_or_else(|| StoreError::Schema("sequence row vanished".into()))?;
        let number = row.try_get_by_index::<i64>(0)? - 1;
        Ok(format!(
            "{}{:0width$}",
            spec.prefix,
            number,
            width = spec.padding as usize
        ))
    }

    /// Create the schema's data records whose key is not loaded yet (`schema apply`).
    pub(crate) async fn load_data_records(&mut self) -> Result<usize> {
        let registry = self.registry.clone();
        let mut loaded = 0;
        for record in registry.records() {
            if self.data_key(&record.key).await?.is_some() {
                continue;
            }
            let mut vals = Map::new();
            for (name, value) in &record.values {
                let resolved = match value.get("$ref").and_then(Value::as_str) {
                    Some(key) => Value::from(self.data_key(key).await?.ok_or_else(|| {
                        StoreError::Schema(format!("record {}: '{key}' is not loaded", record.key))
                    })?),
                    None => value.clone(),
                };
                vals.insert(name.clone(), resolved);
            }
            let id = self
                .create(&record.model, &vals)
                .await
                .map_err(|e| StoreError::Schema(format!("record {}: {e}", record.key)))?;
            let insert = Query::insert()
                .into_table(Alias::new("weft_data_key"))
                .columns([
                    Alias::new("key"),
                    Alias::new("res_model"),
                    Alias::new("res_id"),
                ])
                .values_panic([
                    record.key.clone().into(),
                    record.model.clone().into(),
                    id.into(),
                ])
                .to_owned();
            self.conn.execute(&insert).await?;
            loaded += 1;
        }
        Ok(loaded)
    }

    /// The record a loaded data record's key names (`base.USD`): its model and id. Only the key
    /// table is read: whether the env may see the record is for the caller's read to decide.
    pub async fn data_record(&self, key: &str) -> Result<Option<(String, i64)>> {
        let select = Query::select()
            .columns([Alias::new("res_model"), Alias::new("res_id")])
            .from(Alias::new("weft_data_key"))
            .and_where(Expr::col(Alias::new("key")).eq(key))
            .to_owned();
        let Some(row) = self.conn.query_one(&select).await? else {
            return Ok(None);
        };
        Ok(Some((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
    }

    /// Every loaded data record's key with its model and id, in key order.
    pub async fn data_records(&self) -> Result<Vec<(String, String, i64)>> {
        let select = Query::select()
            .columns([
                Alias::new("key"),
                Alias::new("res_model"),
                Alias::new("res_id"),
            ])
            .from(Alias::new("weft_data_key"))
            .order_by(Alias::new("key"), sea_orm::Order::Asc)
            .to_owned();
        let mut out = Vec::new();
        for row in self.conn.query_all(&select).await? {
            out.push((
                row.try_get_by_index(0)?,
                row.try_get_by_index(1)?,
                row.try_get_by_index(2)?,
            ));
        }
        Ok(out)
    }

    async fn data_key(&self, key: &str) -> Result<Option<i64>> {
        let select = Query::select()
            .column(Alias::new("res_id"))
            .from(Alias::new("weft_data_key"))
            .and_where(Expr::col(Alias::new("key")).eq(key))
            .to_owned();
        Ok(self
            .conn
            .query_one(&select)
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?)
    }
}
