//! JSON-RPC bodies for poem-openapi: the spec describes typed envelopes (so generated clients are
//! typed), while the server reads the raw bytes itself. Odoo's envelope is lax and a body that is not
//! JSON must reach the handler to get Odoo's BadRequest answer, not poem's default 400.

use poem::{Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use std::marker::PhantomData;

/// The raw body of a JSON-RPC request, described in the spec as `T`.
pub struct RpcBody<T> {
    pub bytes: Vec<u8>,
    _schema: PhantomData<fn() -> T>,
}

impl<T: Type> Payload for RpcBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(_content_type: &str) -> bool {
        true
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> ParsePayload for RpcBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = <Vec<u8> as poem::FromRequest>::from_request(request, body).await?;
        Ok(RpcBody {
            bytes,
            _schema: PhantomData,
        })
    }
}

impl<'a, T: Type> ApiExtractor<'a> for RpcBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: Self::CONTENT_TYPE,
                schema: Self::schema_ref(),
            }],
            required: true,
        })
    }

    /// Any content type, or none: the handler decides what the bytes mean.
    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        <Self as ParsePayload>::from_request(request, body).await
    }
}

/// A JSON-RPC reply already built as JSON, described in the spec as `T`.
pub struct RpcReply<T> {
    pub body: serde_json::Value,
    pub set_cookie: Option<String>,
    /// Set for transport refusals (429); JSON-RPC answers are always 200.
    pub retry_after: Option<u64>,
    _schema: PhantomData<fn() -> T>,
}

impl<T> RpcReply<T> {
    pub fn new(body: serde_json::Value) -> Self {
        RpcReply {
            body,
            set_cookie: None,
            retry_after: None,
            _schema: PhantomData,
        }
    }

    /// 429 Too Many Requests with `Retry-After`.
    pub fn rate_limited(seconds: u64) -> Self {
        Self::too_many(
            seconds,
            &format!("too many requests: retry after {seconds} s"),
        )
    }

    /// 429 Too Many Requests with `Retry-After` and `message` saying which limit.
    pub fn too_many(seconds: u64, message: &str) -> Self {
        let mut reply = RpcReply::new(
            serde_json::json!({"error": {"code": "rate_limited", "message": message}}),
        );
        reply.retry_after = Some(seconds);
        reply
    }

    pub fn with_cookie(mut self, cookie: String) -> Self {
        self.set_cookie = Some(cookie);
        self
    }
}

impl<T: Type> Payload for RpcReply<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> poem::IntoResponse for RpcReply<T> {
    fn into_response(self) -> poem::Response {
        let mut response =
            poem::Response::builder().content_type("application/json; charset=utf-8");
        if let Some(cookie) = self.set_cookie {
            response = response.header("Set-Cookie", cookie);
        }
        if let Some(seconds) = self.retry_after {
            response = response
                .status(poem::http::StatusCode::TOO_MANY_REQUESTS)
                .header("Retry-After", seconds.to_string());
        }
        response.body(self.body.to_string())
    }
}

impl<T: Type> poem_openapi::ApiResponse for RpcReply<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::registry::MetaResponse;
        let refusal = |status, description| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <crate::admin::ErrorBody as Type>::schema_ref(),
            }],
            headers: vec![],
        };
        poem_openapi::registry::MetaResponses {
            responses: vec![
                MetaResponse {
                    description: "A JSON-RPC reply: `result`, or an Odoo-shaped `error` (always HTTP 200)",
                    status: Some(200),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: Self::CONTENT_TYPE,
                        schema: Self::schema_ref(),
                    }],
                    headers: vec![],
                },
                refusal(413, "The body is larger than WEFT_MAX_BODY"),
                refusal(
                    429,
                    "Too many requests from this caller; see the Retry-After header",
                ),
            ],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
        <crate::admin::ErrorBody as Type>::register(registry);
    }
}
