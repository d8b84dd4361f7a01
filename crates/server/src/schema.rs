//! The typed shapes of the JSON-RPC bodies, for the OpenAPI document only: requests are parsed by the
//! lax envelope reader (`weft_inbound::envelope`), replies are built as JSON. Generated clients get
//! these types.

use poem_openapi::Object;
use serde_json::Value;
use std::collections::BTreeMap;

/// Declares a request envelope `{jsonrpc?, method?, id?, params: {model, vals}}` around a vals type.
macro_rules! envelope {
    ($request:ident, $params:ident, $vals:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Object)]
        #[oai(skip_serializing_if_is_none)]
        pub struct $request {
            /// Ignored; "2.0" by convention.
            pub jsonrpc: Option<String>,
            /// Ignored; "call" by convention.
            pub method: Option<String>,
            /// Echoed in the reply.
            pub id: Option<Value>,
            pub params: $params,
        }

        #[derive(Object)]
        #[oai(skip_serializing_if_is_none)]
        pub struct $params {
            /// The model, e.g. `sale.order`.
            pub model: String,
            pub vals: $vals,
        }
    };
}

/// `create_data` values.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreateVals {
    /// Field values; many2one as `{"<field>": value}`, many2many as `{"mode", "records"}`, one2many as a
    /// list of line objects, `attachment_ids` as `[{"name", "datas"}]`.
    pub payload: BTreeMap<String, Value>,
    /// Records to create when a lookup finds nothing, by field name.
    pub auto_create: Option<BTreeMap<String, Value>>,
    /// Fields of the new record to return beside its id.
    pub result_field: Option<Vec<String>>,
    /// Where `record` outbound rules post this record's changes.
    pub callback_url: Option<String>,
}

/// `update_data` / `create_update_data` values.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateVals {
    /// Field -> value (a list means "in"); every match is updated.
    pub search_key: BTreeMap<String, Value>,
    pub payload: BTreeMap<String, Value>,
    pub auto_create: Option<BTreeMap<String, Value>>,
    pub result_field: Option<Vec<String>>,
    pub callback_url: Option<String>,
}

/// `search_data` query.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SearchPayload {
    /// Fields, with `field{sub,sub{subsub}}` expansion; empty = all fields.
    pub search_field: Option<Vec<String>>,
    /// A Python-literal domain string or a JSON array.
    pub search_domain: Option<Value>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `field [asc|desc], ...`
    pub order: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SearchVals {
    pub payload: SearchPayload,
}

/// `call_function` call.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FunctionPayload {
    /// A method the schema declares.
    pub method: String,
    /// Keyword arguments of the method.
    pub parameter: Option<BTreeMap<String, Value>>,
    pub context: Option<BTreeMap<String, Value>>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FunctionVals {
    pub search_key: BTreeMap<String, Value>,
    pub payload: FunctionPayload,
}

envelope!(
    CreateDataRequest,
    CreateDataParams,
    CreateVals,
    "A `/api/create_data` call."
);
envelope!(
    UpdateDataRequest,
    UpdateDataParams,
    UpdateVals,
    "A `/api/update_data` or `/api/create_update_data` call."
);
envelope!(
    SearchDataRequest,
    SearchDataParams,
    SearchVals,
    "A `/api/search_data` call."
);
envelope!(
    CallFunctionRequest,
    CallFunctionParams,
    FunctionVals,
    "A `/api/call_function` call."
);

/// What went wrong in a call that did not succeed.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallError {
    /// not_found, multiple_matches, invalid_value, unknown_field, missing_field, unknown_model,
    /// unknown_method, access_denied, invalid_domain, invalid_order, conflict, internal_error
    pub code: String,
    pub message: String,
    /// The field concerned.
    pub field: Option<String>,
    /// Its 0-based path from the payload root, e.g. `order_line[2].product_id`.
    pub path: Option<String>,
}

/// The outcome of a call: `result` on success, `error` otherwise.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallResult {
    pub is_success: bool,
    pub result: Option<Value>,
    pub messages: String,
    pub error: Option<CallError>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OdooErrorData {
    /// The Odoo exception class, e.g. `werkzeug.exceptions.Unauthorized`.
    pub name: String,
    pub message: String,
    pub arguments: Vec<String>,
    pub context: BTreeMap<String, Value>,
    /// Always empty: Odoo puts a traceback here, Weft never does.
    pub debug: Option<String>,
}

/// An error outside the call itself (envelope, authentication), in Odoo's shape.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OdooError {
    /// 200, or 100 for an expired or missing session.
    pub code: i32,
    /// "Odoo Server Error" (or "Odoo Session Expired")
    pub message: String,
    pub data: OdooErrorData,
}

/// The JSON-RPC reply of the data routes (always HTTP 200).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallReply {
    pub jsonrpc: String,
    pub id: Option<Value>,
    pub result: Option<CallResult>,
    pub error: Option<OdooError>,
}

/// `/web/session/authenticate` parameters.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuthenticateParams {
    /// Echoed: one database per service.
    pub db: Option<String>,
    pub login: String,
    pub password: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuthenticateRequest {
    pub jsonrpc: Option<String>,
    pub method: Option<String>,
    pub id: Option<Value>,
    pub params: AuthenticateParams,
}

/// A JSON-RPC reply with any result (sessions).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SessionReply {
    pub jsonrpc: String,
    pub id: Option<Value>,
    pub result: Option<Value>,
    pub error: Option<OdooError>,
}
