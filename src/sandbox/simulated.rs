//! The simulated Genesys the sandbox's service talks to, on a loopback port of its own: the
//! login service, which issues a token to the demo OAuth client only, and the Platform API
//! requests doctor sends (whose token it is, the registered data action), each refused without
//! that token as Genesys refuses them.
//!
//! The conversation requests, where the special ids show their failures, are in
//! `conversations.rs`; the error body every refusal carries is in `refusals.rs`.

use std::io;
use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use super::conversations::{conversation, start_cobrowse};
use super::egress;
use super::refusals::{not_found, refuse_bearer};
use super::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TOKEN};
use crate::export::{self, ActionOptions};

/// The simulated org, and the data action registered in it.
const SANDBOX_ORG_ID: &str = "5a4d8b3c-0e1f-4a2b-9c3d-4e5f6a7b8c9d";
const SANDBOX_ACTION_ID: &str = "custom_-_6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b";
const SANDBOX_INTEGRATION_ID: &str = "7f8a9b0c-1d2e-4f3a-9b4c-5d6e7f8a9b0c";

/// Serves the simulated Genesys on `listener`. Signals are the service's to handle: the
/// sandbox stops this server when the service has stopped.
///
/// `listed` is the PEM of the client certificate its data actions present (`--mutual-tls`).
pub(super) fn serve(
    listener: TcpListener,
    service_url: &str,
    listed: Option<String>,
) -> io::Result<Server> {
    // The action an admin would import for this service, as Genesys keeps it.
    let action = web::Data::new(registered_action(service_url));
    let listed = web::Data::new(egress::Listed(listed));
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(action.clone())
            .app_data(listed.clone())
            .route("/oauth/token", web::post().to(token))
            .route("/api/v2/tokens/me", web::get().to(token_info))
            .route("/api/v2/integrations/actions", web::get().to(actions))
            // Before the action by id, which would take `certificates` for an id.
            .route(
                "/api/v2/integrations/actions/certificates",
                web::get().to(egress::action_certificates),
            )
            .route("/api/v2/ipranges", web::get().to(egress::ip_ranges))
            .route(
                "/api/v2/integrations/actions/{id}",
                web::get().to(action_by_id),
            )
            .route(
                "/api/v2/conversations/{id}/cobrowse",
                web::post().to(start_cobrowse),
            )
            .route("/api/v2/conversations/{id}", web::get().to(conversation))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

/// The data action `export-action --url <service> --allow-http` makes, as Genesys keeps it
/// once imported: with its id, version and integration.
fn registered_action(service_url: &str) -> Value {
    let mut options = ActionOptions::for_url(service_url);
    options.allow_http = true;
    let mut action = export::export_action(&options).expect("the sandbox's own URL exports");
    action["id"] = json!(SANDBOX_ACTION_ID);
    action["version"] = json!(1);
    action["integrationId"] = json!(SANDBOX_INTEGRATION_ID);
    action["selfUri"] = json!(format!("/api/v2/integrations/actions/{SANDBOX_ACTION_ID}"));
    action
}

async fn token(request: HttpRequest, form: web::Bytes) -> HttpResponse {
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}"));
    let authorised = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(format!("Basic {expected}").as_str());
    if !authorised || form.as_ref() != b"grant_type=client_credentials" {
        return HttpResponse::Unauthorized().json(json!({
            "error": "invalid_client",
            "description": "authentication failed",
            "error_description": "authentication failed"
        }));
    }
    HttpResponse::Ok().json(json!({
        "access_token": DEMO_TOKEN,
        "token_type": "bearer",
        "expires_in": 86400
    }))
}

/// `TokenInfo`: the demo client's token, in the simulated org.
async fn token_info(request: HttpRequest) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let org = json!({"id": SANDBOX_ORG_ID, "name": "Sandbox org"});
    HttpResponse::Ok().json(json!({
        "organization": org,
        "homeOrganization": org,
        "OAuthClient": {
            "id": DEMO_CLIENT_ID,
            "name": "Sandbox OAuth client",
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "state": "active",
            "organization": org
        }
    }))
}

/// `ActionEntityListing`: the registered action when its name contains `name` (Genesys's
/// filter matches part of a name, case aside), on one page.
async fn actions(
    request: HttpRequest,
    query: web::Query<std::collections::HashMap<String, String>>,
    action: web::Data<Value>,
) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let wanted = query
        .get("name")
        .map(|n| n.to_lowercase())
        .unwrap_or_default();
    let name = action["name"].as_str().unwrap_or_default().to_lowercase();
    let mut entities = Vec::new();
    if name.contains(&wanted) {
        // A listing leaves out what `expand` and `includeConfig` ask for.
        let mut summary = action.get_ref().clone();
        if let Some(fields) = summary.as_object_mut() {
            fields.remove("contract");
            fields.remove("config");
        }
        entities.push(summary);
    }
    HttpResponse::Ok().json(json!({
        "entities": entities,
        "pageSize": 100,
        "pageNumber": 1,
        "total": entities.len(),
        "pageCount": 1
    }))
}

/// `Action` with its contract and configuration, or 404.
async fn action_by_id(
    request: HttpRequest,
    id: web::Path<String>,
    action: web::Data<Value>,
) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    if id.as_str() == SANDBOX_ACTION_ID {
        HttpResponse::Ok().json(action.get_ref())
    } else {
        not_found(&correlation_id)
    }
}
