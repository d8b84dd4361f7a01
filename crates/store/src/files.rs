//! Files: an attachment row per file, pointing at its bytes in the blob table by SHA-256, so the
//! same bytes are stored once however often they are attached. Record attachments and full log
//! payloads both live here.

use crate::entity::{attachment, blob};
use crate::error::Result;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

/// A file to attach to a record (`res_model`, `res_id`).
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub res_model: &'a str,
    pub res_id: i64,
    pub mimetype: Option<&'a str>,
    pub data: &'a [u8],
    pub create_uid: Option<i64>,
}

/// Store the bytes (once per content) and the attachment row, in `conn`'s transaction.
pub async fn attach(conn: &impl ConnectionTrait, file: NewAttachment<'_>) -> Result<()> {
    let sha256 = sha256_hex(file.data);
    let now = chrono::Utc::now().naive_utc();
    let size = file.data.len() as i64;
    blob::Entity::insert(blob::ActiveModel {
        sha256: ActiveValue::Set(sha256.clone()),
        data: ActiveValue::Set(file.data.to_vec()),
        size: ActiveValue::Set(size),
        create_date: ActiveValue::Set(now),
    })
    .on_conflict(
        OnConflict::column(blob::Column::Sha256)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    attachment::Entity::insert(attachment::ActiveModel {
        id: ActiveValue::NotSet,
        name: ActiveValue::Set(file.name.to_string()),
        res_model: ActiveValue::Set(Some(file.res_model.to_string())),
        res_id: ActiveValue::Set(Some(file.res_id)),
        res_field: ActiveValue::Set(None),
        mimetype: ActiveValue::Set(file.mimetype.map(str::to_string)),
        blob_sha256: ActiveValue::Set(sha256),
        file_size: ActiveValue::Set(size),
        create_uid: ActiveValue::Set(file.create_uid),
        create_date: ActiveValue::Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The bytes of the first file attached to a record, if any.
pub async fn first_attachment(
    conn: &impl ConnectionTrait,
    res_model: &str,
    res_id: i64,
) -> Result<Option<Vec<u8>>> {
    let Some(found) = attachment::Entity::find()
        .filter(attachment::Column::ResModel.eq(res_model))
        .filter(attachment::Column::ResId.eq(res_id))
        .order_by_asc(attachment::Column::Id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(blob::Entity::find_by_id(found.blob_sha256)
        .one(conn)
        .await?
        .map(|b| b.data))
}

/// Remove the attachments of some records, and the blobs nothing points at any more.
pub async fn detach_all(
    conn: &impl ConnectionTrait,
    res_model: &str,
    res_ids: &[i64],
) -> Result<u64> {
    use sea_orm::sea_query::ExprTrait;
    use sea_orm::{QuerySelect, QueryTrait};
    if res_ids.is_empty() {
        return Ok(0);
    }
    let of_records = || {
        attachment::Column::ResModel
            .eq(res_model)
            .and(attachment::Column::ResId.is_in(res_ids.iter().copied()))
    };
    let blobs: Vec<String> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::BlobSha256)
        .filter(of_records())
        .into_tuple()
        .all(conn)
        .await?;
    if blobs.is_empty() {
        return Ok(0);
    }
    let deleted = attachment::Entity::delete_many()
        .filter(of_records())
        .exec(conn)
        .await?;
    let still_used = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::BlobSha256)
        .filter(attachment::Column::BlobSha256.is_in(blobs.iter().cloned()))
        .into_query();
    blob::Entity::delete_many()
        .filter(blob::Column::Sha256.is_in(blobs))
        .filter(blob::Column::Sha256.not_in_subquery(still_used))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}

/// The blob key: SHA-256 in lowercase hex.
fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn blobs_are_keyed_by_lowercase_hex_sha256() {
        assert_eq!(
            super::sha256_hex(b"Hello World"),
            "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"
        );
    }
}
