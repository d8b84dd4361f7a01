//! The body a webhook subscription sends (DESIGN.md §6, seeds 000 and 001): the same notification as
//! JSON or as XML. `data` is the record in read() format (limited to the subscription's `fields`).
//!
//! ```text
//! {"id":"<webhook-id>","type":"product.product.on_create","event":"on_create","model":"product.product",
//!  "res_id":7,"timestamp":"2026-11-22T04:00:00Z","language":"en_US",
//!  "webhook":{"id":3,"name":"Product Creation"},"data":{"id":7,"name":"Desk",...}}
//! <notification id=".." event=".." ...><record id="7"><field name="name" type="char">Desk</field>
//! ...</record></notification>
//! ```

use serde_json::{Map, Value, json};
use std::fmt::Write;

/// One change, as a subscription reports it.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    /// The delivery's `webhook-id`.
    pub id: &'a str,
    /// `on_create`, `on_write` or `on_unlink`.
    pub event: &'a str,
    pub model: &'a str,
    pub res_id: i64,
    /// `2026-11-22T04:00:00Z`.
    pub timestamp: &'a str,
    pub language: &'a str,
    pub webhook_id: i64,
    pub webhook_name: &'a str,
    /// The record in read() format.
    pub data: &'a Map<String, Value>,
    /// The label of each selection value of `data` in `language` (`{"state": "Bon de commande"}`).
    pub labels: &'a Map<String, Value>,
}

impl Notification<'_> {
    pub fn json(&self) -> Value {
        let mut body = json!({
            "id": self.id,
            "type": format!("{}.{}", self.model, self.event),
            "event": self.event,
            "model": self.model,
            "res_id": self.res_id,
            "timestamp": self.timestamp,
            "language": self.language,
            "webhook": {"id": self.webhook_id, "name": self.webhook_name},
            "data": self.data,
        });
        if !self.labels.is_empty() {
            body["labels"] = Value::Object(self.labels.clone());
        }
        body
    }

    /// The XML body; `field_type` names each field's type (`char`, `many2one`, ...).
    pub fn xml(&self, field_type: impl Fn(&str) -> Option<&'static str>) -> String {
        let mut out = format!(
            r#"<notification id="{}" event="{}" model="{}" res_id="{}" timestamp="{}" language="{}" webhook_id="{}">"#,
            escape(self.id),
            escape(self.event),
            escape(self.model),
            self.res_id,
            escape(self.timestamp),
            escape(self.language),
            self.webhook_id
        );
        let _ = write!(out, r#"<record id="{}">"#, self.res_id);
        for (name, value) in self.data {
            if name != "id" {
                let label = self.labels.get(name).and_then(Value::as_str);
                field(
                    &mut out,
                    name,
                    field_type(name).unwrap_or("char"),
                    label,
                    value,
                );
            }
        }
        out.push_str("</record></notification>");
        out
    }
}

fn field(out: &mut String, name: &str, kind: &str, label: Option<&str>, value: &Value) {
    let mut open = format!(r#"<field name="{}" type="{kind}""#, escape(name));
    if let Some(label) = label {
        let _ = write!(open, r#" label="{}""#, escape(label));
    }
    match (kind, value) {
        ("boolean", Value::Bool(b)) => {
            let _ = write!(out, "{open}>{b}</field>");
        }
        (_, Value::Bool(false) | Value::Null) => {
            let _ = write!(out, r#"{open} empty="true"/>"#);
        }
        ("many2one", Value::Array(pair)) => {
            let id = pair.first().map(Value::to_string).unwrap_or_default();
            let shown = pair.get(1).map(text).unwrap_or_default();
            let _ = write!(out, r#"{open} ref="{id}">{}</field>"#, escape(&shown));
        }
        (_, Value::Array(ids)) => {
            out.push_str(&open);
            out.push('>');
            for id in ids {
                let _ = write!(out, "<id>{}</id>", escape(&text(id)));
            }
            out.push_str("</field>");
        }
        _ => {
            let _ = write!(out, "{open}>{}</field>", escape(&text(value)));
        }
    }
}

/// A value as element text: strings without their quotes.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Escaped for XML text and attribute values; characters XML 1.0 cannot hold become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Attribute values are written in double quotes.
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> Map<String, Value> {
        json!({"id": 7, "name": "Desk & <Chair>", "partner_id": [5, "ACME"], "tag_ids": [1, 2],
               "list_price": 12.5, "description": false, "sale_ok": false})
        .as_object()
        .unwrap()
        .clone()
    }

    fn notification<'a>(
        data: &'a Map<String, Value>,
        labels: &'a Map<String, Value>,
    ) -> Notification<'a> {
        Notification {
            id: "msg_1",
            event: "on_create",
            model: "product.product",
            res_id: 7,
            timestamp: "2026-11-22T04:00:00Z",
            language: "en_US",
            webhook_id: 3,
            webhook_name: "Product Creation",
            data,
            labels,
        }
    }

    #[test]
    fn the_json_body_is_the_one_design_shows() {
        let data = product();
        assert_eq!(
            notification(&data, &Map::new()).json(),
            json!({"id": "msg_1", "type": "product.product.on_create", "event": "on_create",
                   "model": "product.product", "res_id": 7, "timestamp": "2026-11-22T04:00:00Z",
                   "language": "en_US", "webhook": {"id": 3, "name": "Product Creation"}, "data": data})
        );
        let labels = json!({"type": "Biens"}).as_object().unwrap().clone();
        assert_eq!(
            notification(&data, &labels).json()["labels"],
            json!({"type": "Biens"})
        );
    }

    #[test]
    fn the_xml_body_carries_the_same_with_types_refs_ids_and_empty_values() {
        let mut data = product();
        data.insert("type".into(), json!("consu"));
        let labels = json!({"type": "Goods"}).as_object().unwrap().clone();
        let kind = |name: &str| match name {
            "type" => Some("selection"),
            "partner_id" => Some("many2one"),
            "tag_ids" => Some("many2many"),
            "list_price" => Some("float"),
            "sale_ok" => Some("boolean"),
            "description" => Some("text"),
            _ => Some("char"),
        };
        assert_eq!(
            notification(&data, &labels).xml(kind),
            concat!(
                r#"<notification id="msg_1" event="on_create" model="product.product" res_id="7" "#,
                r#"timestamp="2026-11-22T04:00:00Z" language="en_US" webhook_id="3"><record id="7">"#,
                r#"<field name="description" type="text" empty="true"/>"#,
                r#"<field name="list_price" type="float">12.5</field>"#,
                r#"<field name="name" type="char">Desk &amp; &lt;Chair&gt;</field>"#,
                r#"<field name="partner_id" type="many2one" ref="5">ACME</field>"#,
                r#"<field name="sale_ok" type="boolean">false</field>"#,
                r#"<field name="tag_ids" type="many2many"><id>1</id><id>2</id></field>"#,
                r#"<field name="type" type="selection" label="Goods">consu</field>"#,
                "</record></notification>"
            )
        );
    }
}
