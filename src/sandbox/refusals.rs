//! How the simulated Genesys refuses, as the real one does: the error body every refusal
//! carries (with its correlation id), a 404, and the 401 of a request without the demo token.
//! Both the login and data-action requests (`simulated.rs`) and the conversation requests
//! (`conversations.rs`) answer with these.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::DEMO_TOKEN;

/// Genesys's 404 for an id it does not know.
pub(super) fn not_found(correlation_id: &str) -> HttpResponse {
    genesys_error(
        404,
        "not.found",
        "The requested resource was not found.",
        correlation_id,
    )
}

/// The simulated API's bearer check: `Some` is the 401 Genesys would answer.
pub(super) fn refuse_bearer(request: &HttpRequest, correlation_id: &str) -> Option<HttpResponse> {
    let bearer = format!("Bearer {DEMO_TOKEN}");
    if request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(bearer.as_str())
    {
        None
    } else {
        Some(genesys_error(
            401,
            "bad.credentials",
            "Invalid login credentials.",
            correlation_id,
        ))
    }
}

pub(super) fn genesys_error(
    status: u16,
    code: &str,
    message: &str,
    correlation_id: &str,
) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("valid status"))
        .insert_header(("ININ-Correlation-Id", correlation_id))
        .json(json!({
            "message": message,
            "code": code,
            "status": status,
            "contextId": correlation_id,
            "details": [],
            "errors": []
        }))
}
