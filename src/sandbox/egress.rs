//! What the simulated Genesys publishes of its data actions' calls, for doctor's
//! `client-certificates` and `egress-ranges` checks: no client certificate (the sandbox's
//! service asks for none) or, with `--mutual-tls`, the throw-away one as the current one, and
//! a few address ranges from the blocks reserved for
//! documentation (RFC 5737), so that nobody allow-lists them by mistake.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::refusals::refuse_bearer;

/// The PEM of the client certificate the sandbox's data actions present, if any.
pub(super) struct Listed(pub Option<String>);

/// `ActionCertificateListing`: the `--mutual-tls` client certificate as `Current`, or none.
pub(super) async fn action_certificates(
    request: HttpRequest,
    listed: web::Data<Listed>,
) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let entities: Vec<_> = listed
        .0
        .iter()
        .map(|pem| json!({"signingAuthority": "Genesys", "certificate": pem, "status": "Current", "type": "Client"}))
        .collect();
    HttpResponse::Ok().json(json!({
        "pageSize": 25,
        "pageNumber": 1,
        "total": entities.len(),
        "pageCount": 1,
        "entities": entities
    }))
}

/// `IpAddressRangeListing`: data-actions ranges of two regions, and one of another service.
pub(super) async fn ip_ranges(request: HttpRequest) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let range = |cidr: &str, service: &str, region: &str, direction: &str| json!({"cidr": cidr, "service": service, "region": region, "direction": direction});
    HttpResponse::Ok().json(json!({
        "entities": [
            range("192.0.2.0/28", "data-actions", "us-east-1", "outbound"),
            range("198.51.100.0/28", "data-actions", "eu-west-1", "outbound"),
            range("203.0.113.0/28", "api", "eu-west-1", "inbound"),
        ]
    }))
}
