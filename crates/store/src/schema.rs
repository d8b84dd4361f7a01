//! Record tables from the registry: compare what the registry declares with what the database has,
//! and apply the difference additively (new tables, columns, indexes and relation tables).
//!
//! A destructive change (a declared field or model that disappeared, a column whose type changed) is
//! refused with a message naming it, unless forced. Foreign keys are not declared: SQLite cannot add
//! them by ALTER TABLE, so `ondelete` is enforced by the store on both databases alike (DESIGN.md §3).

use crate::error::{Result, StoreError};
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, Index, IndexCreateStatement, Query, Table, TableAlterStatement,
    TableCreateStatement,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use weft_registry::{Field, FieldType, Model, Registry};

/// One change `apply` makes or refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStep {
    CreateTable {
        model: String,
        table: String,
    },
    AddColumn {
        model: String,
        field: String,
    },
    CreateIndex {
        name: String,
    },
    CreateRelation {
        table: String,
    },
    /// Destructive: only with `force`.
    DropColumn {
        model: String,
        field: String,
    },
    DropTable {
        model: String,
        table: String,
    },
    Retype {
        model: String,
        field: String,
        from: String,
        to: String,
    },
}

impl SchemaStep {
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            SchemaStep::DropColumn { .. }
                | SchemaStep::DropTable { .. }
                | SchemaStep::Retype { .. }
        )
    }
}

impl std::fmt::Display for SchemaStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaStep::CreateTable { model, table } => {
                write!(f, "create table {table} for {model}")
            }
            SchemaStep::AddColumn { model, field } => write!(f, "add field {model}.{field}"),
            SchemaStep::CreateIndex { name } => write!(f, "create index {name}"),
            SchemaStep::CreateRelation { table } => write!(f, "create relation table {table}"),
            SchemaStep::DropColumn { model, field } => {
                write!(f, "drop field {model}.{field} (its data is lost)")
            }
            SchemaStep::DropTable { model, table } => {
                write!(f, "drop model {model} (table {table} and its data)")
            }
            SchemaStep::Retype {
                model,
                field,
                from,
                to,
            } => {
                write!(
                    f,
                    "retype field {model}.{field} from {from} to {to} (its data is lost)"
                )
            }
        }
    }
}

/// What `apply` would do (or did).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaPlan {
    pub steps: Vec<SchemaStep>,
}

impl SchemaPlan {
    pub fn destructive(&self) -> impl Iterator<Item = &SchemaStep> {
        self.steps.iter().filter(|s| s.is_destructive())
    }
}

/// The column kinds the two databases report, folded into one vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Int,
    Real,
    Text,
    Bool,
    Date,
    DateTime,
    Json,
    Other,
}

impl Family {
    fn of_declared(declared: &str) -> Family {
        match declared.to_ascii_lowercase().as_str() {
            "integer" | "bigint" | "int" | "bigserial" => Family::Int,
            "double" | "double precision" | "real" | "float" => Family::Real,
            "text" | "character varying" | "varchar" => Family::Text,
            "boolean" | "bool" => Family::Bool,
            "date" | "date_text" => Family::Date,
            "datetime_text" | "timestamp without time zone" | "timestamp" => Family::DateTime,
            "json" | "jsonb" | "json_text" | "jsonb_text" => Family::Json,
            _ => Family::Other,
        }
    }

    fn of_field(kind: &FieldType) -> Family {
        match kind {
            FieldType::Id | FieldType::Integer | FieldType::Many2one { .. } => Family::Int,
            FieldType::Float | FieldType::Monetary => Family::Real,
            FieldType::Boolean => Family::Bool,
            FieldType::Date => Family::Date,
            FieldType::Datetime => Family::DateTime,
            FieldType::Json => Family::Json,
            _ => Family::Text,
        }
    }
}

/// What the database holds now.
#[derive(Debug, Default)]
struct Existing {
    /// table -> column -> family
    tables: HashMap<String, HashMap<String, Family>>,
    indexes: BTreeSet<String>,
    /// model -> (table, fields apply created), from `weft_model`.
    applied: BTreeMap<String, (String, Vec<String>)>,
}

/// Compare the registry with the database and list the steps, destructive ones included.
pub(crate) async fn plan(conn: &DatabaseTransaction, registry: &Registry) -> Result<SchemaPlan> {
    let existing = introspect(conn).await?;
    let mut steps = Vec::new();
    let mut relations = BTreeSet::new();
    for model in registry.models() {
        match existing.tables.get(&model.table) {
            None => steps.push(SchemaStep::CreateTable {
                model: model.name.clone(),
                table: model.table.clone(),
            }),
            Some(columns) => {
                for field in model.columns() {
                    match columns.get(&field.name) {
                        None => steps.push(SchemaStep::AddColumn {
                            model: model.name.clone(),
                            field: field.name.clone(),
                        }),
                        Some(&family) if family != Family::of_field(&field.kind) => {
                            steps.push(SchemaStep::Retype {
                                model: model.name.clone(),
                                field: field.name.clone(),
                                from: format!("{family:?}").to_lowercase(),
                                to: field.kind.name().to_string(),
                            })
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        if let Some((_, fields)) = existing.applied.get(&model.name) {
            for gone in fields
                .iter()
                .filter(|f| model.field(f).is_none_or(|f| !f.kind.is_stored_column()))
            {
                steps.push(SchemaStep::DropColumn {
                    model: model.name.clone(),
                    field: gone.clone(),
                });
            }
        }
        for field in model.fields() {
            if let FieldType::Many2many { relation, .. } = &field.kind
                && !existing.tables.contains_key(relation)
                && relations.insert(relation.clone())
            {
                steps.push(SchemaStep::CreateRelation {
                    table: relation.clone(),
                });
            }
        }
        for index in indexes_of(model) {
            let name = index
                .get_index_spec()
                .get_name()
                .unwrap_or_default()
                .to_string();
            if !existing.indexes.contains(&name) {
                steps.push(SchemaStep::CreateIndex { name });
            }
        }
    }
    for (model, (table, _)) in &existing.applied {
        if registry.model(model).is_none() {
            steps.push(SchemaStep::DropTable {
                model: model.clone(),
                table: table.clone(),
            });
        }
    }
    Ok(SchemaPlan { steps })
}

/// Apply the plan inside the caller's transaction. Destructive steps need `force`.
pub(crate) async fn apply(
    conn: &DatabaseTransaction,
    registry: &Registry,
    force: bool,
) -> Result<SchemaPlan> {
    let plan = plan(conn, registry).await?;
    let refused: Vec<String> = plan.destructive().map(ToString::to_string).collect();
    if !refused.is_empty() && !force {
        return Err(StoreError::Schema(format!(
            "refusing destructive schema change(s): {}; run again with --force to accept the data loss",
            refused.join("; ")
        )));
    }
    let backend = conn.get_database_backend();
    for step in &plan.steps {
        for sql in step_sql(step, registry, backend) {
            conn.execute_unprepared(&sql)
                .await
                .map_err(|e| StoreError::Schema(format!("{step}: {e}")))?;
        }
    }
    record_applied(conn, registry).await?;
    Ok(plan)
}

fn step_sql(step: &SchemaStep, registry: &Registry, backend: DatabaseBackend) -> Vec<String> {
    let model = |name: &str| registry.model(name);
    match step {
        SchemaStep::CreateTable { model: name, .. } => {
            vec![
                backend
                    .build(&create_table(model(name).expect("planned from registry")))
                    .to_string(),
            ]
        }
        SchemaStep::AddColumn { model: name, field } => {
            let m = model(name).expect("planned from registry");
            let f = m.field(field).expect("planned from registry");
            vec![backend.build(&add_column(m, f)).to_string()]
        }
        SchemaStep::CreateIndex { name } => registry
            .models()
            .flat_map(indexes_of)
            .filter(|i| i.get_index_spec().get_name() == Some(name.as_str()))
            .map(|i| backend.build(&i).to_string())
            .take(1)
            .collect(),
        SchemaStep::CreateRelation { table } => relation_table(registry, table)
            .map(|(t, idx)| {
                vec![
                    backend.build(&t).to_string(),
                    backend.build(&idx).to_string(),
                ]
            })
            .unwrap_or_default(),
        SchemaStep::DropColumn { model: name, field } => {
            let table = registry
                .model(name)
                .map(|m| m.table.clone())
                .unwrap_or_default();
            let mut sql = drop_indexes_sql(&table, field, backend);
            sql.push(drop_column_sql(&table, field, backend));
            sql
        }
        SchemaStep::DropTable { table, .. } => {
            vec![
                backend
                    .build(
                        &Table::drop()
                            .table(Alias::new(table))
                            .if_exists()
                            .to_owned(),
                    )
                    .to_string(),
            ]
        }
        SchemaStep::Retype {
            model: name, field, ..
        } => {
            let m = model(name).expect("planned from registry");
            let f = m.field(field).expect("planned from registry");
            let mut sql = drop_indexes_sql(&m.table, field, backend);
            sql.push(drop_column_sql(&m.table, field, backend));
            sql.push(backend.build(&add_column(m, f)).to_string());
            sql.extend(
                indexes_of(m)
                    .into_iter()
                    .filter(|i| i.get_index_spec().get_column_names() == [field.as_str()])
                    .map(|i| backend.build(&i).to_string()),
            );
            sql
        }
    }
}

/// SQLite refuses to drop a column an index still names.
fn drop_indexes_sql(table: &str, field: &str, backend: DatabaseBackend) -> Vec<String> {
    ["key", "index"]
        .iter()
        .map(|suffix| {
            let drop = Index::drop()
                .name(format!("{table}_{field}_{suffix}"))
                .if_exists()
                .to_owned();
            backend.build(&drop).to_string()
        })
        .collect()
}

fn drop_column_sql(table: &str, field: &str, backend: DatabaseBackend) -> String {
    let drop = Table::alter()
        .table(Alias::new(table))
        .drop_column(Alias::new(field))
        .to_owned();
    backend.build(&drop).to_string()
}

fn column_def(field: &Field) -> ColumnDef {
    let mut col = ColumnDef::new(Alias::new(&field.name));
    match &field.kind {
        FieldType::Id => {
            col.big_integer().not_null().auto_increment().primary_key();
            return col;
        }
        FieldType::Integer => col.big_integer().not_null().default(0),
        FieldType::Many2one { .. } => col.big_integer().null(),
        FieldType::Float | FieldType::Monetary => col.double().not_null().default(0.0),
        FieldType::Boolean => col.boolean().not_null().default(false),
        FieldType::Date => col.date().null(),
        FieldType::Datetime => col.date_time().null(),
        FieldType::Json => col.json_binary().null(),
        _ => col.text().null(),
    };
    col
}

fn create_table(model: &Model) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(&model.table)).if_not_exists();
    for field in model.columns() {
        table.col(column_def(field));
    }
    table.to_owned()
}

fn add_column(model: &Model, field: &Field) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(&model.table))
        .add_column(column_def(field))
        .to_owned()
}

/// `{table}_{field}_key` for unique fields, `{table}_{field}_index` for indexed ones.
fn indexes_of(model: &Model) -> Vec<IndexCreateStatement> {
    model
        .columns()
        .filter(|f| (f.index || f.unique) && !f.system)
        .map(|f| {
            let suffix = if f.unique { "key" } else { "index" };
            let mut index = Index::create();
            index
                .name(format!("{}_{}_{suffix}", model.table, f.name))
                .table(Alias::new(&model.table))
                .col(Alias::new(&f.name))
                .if_not_exists();
            if f.unique {
                index.unique();
            }
            index.to_owned()
        })
        .collect()
}

fn relation_table(
    registry: &Registry,
    table: &str,
) -> Option<(TableCreateStatement, IndexCreateStatement)> {
    let (column1, column2) =
        registry
            .models()
            .flat_map(Model::fields)
            .find_map(|f| match &f.kind {
                FieldType::Many2many {
                    relation,
                    column1,
                    column2,
                    ..
                } if relation == table => Some((column1, column2)),
                _ => None,
            })?;
    let create = Table::create()
        .table(Alias::new(table))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new(column1)).big_integer().not_null())
        .col(ColumnDef::new(Alias::new(column2)).big_integer().not_null())
        .primary_key(
            Index::create()
                .col(Alias::new(column1))
                .col(Alias::new(column2)),
        )
        .to_owned();
    let index = Index::create()
        .name(format!("{table}_{column2}_index"))
        .table(Alias::new(table))
        .col(Alias::new(column2))
        .if_not_exists()
        .to_owned();
    Some((create, index))
}

async fn introspect(conn: &DatabaseTransaction) -> Result<Existing> {
    let backend = conn.get_database_backend();
    let mut existing = Existing::default();
    let (columns_sql, indexes_sql) = match backend {
        DatabaseBackend::Postgres => (
            "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty \
             FROM information_schema.columns WHERE table_schema = current_schema()",
            "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = current_schema()",
        ),
        _ => (
            "SELECT m.name AS t, p.name AS c, p.type AS ty FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            "SELECT name FROM sqlite_master WHERE type = 'index'",
        ),
    };
    for row in conn
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await?
    {
        let table: String = row.try_get("", "t")?;
        let column: String = row.try_get("", "c")?;
        let declared: String = row.try_get("", "ty")?;
        existing
            .tables
            .entry(table)
            .or_default()
            .insert(column, Family::of_declared(&declared));
    }
    for row in conn
        .query_all_raw(Statement::from_string(backend, indexes_sql))
        .await?
    {
        existing.indexes.insert(row.try_get("", "name")?);
    }
    let applied = Query::select()
        .columns([
            Alias::new("name"),
            Alias::new("table_name"),
            Alias::new("fields"),
        ])
        .from(Alias::new("weft_model"))
        .to_owned();
    for row in conn.query_all(&applied).await? {
        let name: String = row.try_get("", "name")?;
        let table: String = row.try_get("", "table_name")?;
        let fields: serde_json::Value = row.try_get("", "fields")?;
        let fields = fields
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        existing.applied.insert(name, (table, fields));
    }
    Ok(existing)
}

/// Remember which models and columns apply made, so a later apply can tell what a schema dropped.
async fn record_applied(conn: &DatabaseTransaction, registry: &Registry) -> Result<()> {
    conn.execute(
        &Query::delete()
            .from_table(Alias::new("weft_model"))
            .to_owned(),
    )
    .await?;
    let now = chrono::Utc::now().naive_utc();
    for model in registry.models() {
        let fields: Vec<&str> = model
            .columns()
            .filter(|f| !f.system)
            .map(|f| f.name.as_str())
            .collect();
        let insert = Query::insert()
            .into_table(Alias::new("weft_model"))
            .columns([
                Alias::new("name"),
                Alias::new("table_name"),
                Alias::new("fields"),
                Alias::new("write_date"),
            ])
            .values_panic([
                model.name.clone().into(),
                model.table.clone().into(),
                serde_json::json!(fields).into(),
                Expr::val(now),
            ])
            .to_owned();
        conn.execute(&insert).await?;
    }
    Ok(())
}
