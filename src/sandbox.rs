//! `cobrowse-proxy sandbox`: the real service wired to a simulated Genesys on loopback.
//!
//! A flow designer can try every output without an org: the simulated login service issues
//! tokens to a fixed demo client, and the simulated API starts a fake session for any
//! conversation id except the special ones in [`SPECIAL_CONVERSATIONS`], which fail the way
//! Genesys does. An admin can try `doctor` on it too: the simulated API says whose token it
//! is, has the data action `export-action` makes for the sandbox's URL, and knows no
//! conversation among the ids doctor makes up. The sandbox's settings are built here in code
//! and never read from the environment, and `serve` never builds them, so a production
//! `serve` cannot end up on it.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::config::{Deployment, GenesysAccess, OrgDefaults, OrgSettings, SharedSettings};
use crate::doctor::MADE_UP_PREFIX;
use crate::domain::CobrowseType;
use crate::export::{self, ActionOptions};
use crate::genesys::RequestBody;
use crate::inbound_auth::{BasicAuth, InboundAuth};
use crate::outcome::ErrorMode;
use crate::startup::{Application, StartError};
use crate::telemetry::LogFormat;

/// The inbound Basic credential the sandbox accepts.
pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-password";
const DEMO_CLIENT_ID: &str = "sandbox-client";
const DEMO_CLIENT_SECRET: &str = "sandbox-secret";
const DEMO_TOKEN: &str = "sandbox-access-token";
/// The simulated org, and the data action registered in it.
const SANDBOX_ORG_ID: &str = "5a4d8b3c-0e1f-4a2b-9c3d-4e5f6a7b8c9d";
const SANDBOX_ACTION_ID: &str = "custom_-_6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b";
const SANDBOX_INTEGRATION_ID: &str = "7f8a9b0c-1d2e-4f3a-9b4c-5d6e7f8a9b0c";
/// Short, so the slow case answers within seconds.
const SANDBOX_BUDGET: Duration = Duration::from_secs(3);

/// Conversation ids that make the simulated API fail, and how.
pub const FORBIDDEN: &str = "00000000-0000-4000-8000-000000000403";
pub const NOT_FOUND: &str = "00000000-0000-4000-8000-000000000404";
pub const RATE_LIMITED: &str = "00000000-0000-4000-8000-000000000429";
pub const UNAVAILABLE: &str = "00000000-0000-4000-8000-000000000503";
pub const SLOW: &str = "00000000-0000-4000-8000-000000000408";
pub const NO_AGENT: &str = "00000000-0000-4000-8000-000000000409";
pub const ENDED: &str = "00000000-0000-4000-8000-000000000410";
/// Conversation ids on which the sandbox's agent shares the call, and with whom.
pub const CONSULT: &str = "00000000-0000-4000-8000-000000000201";
pub const MONITORED: &str = "00000000-0000-4000-8000-000000000202";
/// The customer and the sandbox's agent are in a cobrowse session already.
pub const LIVE_COBROWSE: &str = "00000000-0000-4000-8000-000000000203";
/// The sandbox's agent consults the agent it connected after, and is marked as initiator.
pub const CONSULT_BY_LATER: &str = "00000000-0000-4000-8000-000000000204";
/// The agent connected to every other sandbox conversation.
pub const SANDBOX_AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
/// The agent the sandbox's agent consults on `CONSULT` and `CONSULT_BY_LATER`.
pub const CONSULTED_AGENT: &str = "1e2f3a4b-5c6d-4e7f-8a9b-a0b1c2d3e4f5";
/// The supervisor listening in on `MONITORED`.
pub const SUPERVISOR: &str = "2f3a4b5c-6d7e-4f8a-9b0c-b1c2d3e4f5a6";

/// The special ids with what each shows, for the start-up instructions.
pub const SPECIAL_CONVERSATIONS: [(&str, &str); 11] = [
    (
        FORBIDDEN,
        "403: the OAuth client lacks the cobrowse permission",
    ),
    (NOT_FOUND, "404: no such conversation"),
    (
        RATE_LIMITED,
        "429 with Retry-After: 60, longer than the budget",
    ),
    (
        UNAVAILABLE,
        "503 with Retry-After: 60, longer than the budget",
    ),
    (SLOW, "answers after 5 s, past the sandbox's 3 s budget"),
    (NO_AGENT, "still queued: no agent connected"),
    (ENDED, "over: every participant has left"),
    (
        CONSULT,
        "the agent consults agent 1e2f3a4b-5c6d-4e7f-8a9b-a0b1c2d3e4f5: without agentId the first one is used",
    ),
    (
        MONITORED,
        "a supervisor monitors the call: never used as the agent",
    ),
    (
        LIVE_COBROWSE,
        "a cobrowse session is under way: no second offer (COBROWSE_ALREADY_ACTIVE)",
    ),
    (
        CONSULT_BY_LATER,
        "the agent consults one who connected earlier: the consult's initiator is used",
    ),
];

/// A running sandbox: the service and its simulated Genesys.
pub struct Sandbox {
    pub application: Application,
    genesys: actix_web::dev::Server,
    /// `http://127.0.0.1:port` of the simulated Genesys (its login service and its API).
    genesys_url: String,
    /// `http://address:port` of the service.
    service_url: String,
}

/// `sandbox --listen`: an address on the loopback interface, where the demo credentials
/// face no network.
pub fn loopback(address: &str) -> Result<SocketAddr, String> {
    let what = "the sandbox serves on loopback only: an address in 127.0.0.0/8 (such as 127.0.0.1:8080) or [::1] with a port, where no other host reaches its demo credentials";
    match address.parse::<SocketAddr>() {
        Ok(address) if address.ip().is_loopback() => Ok(address),
        _ => Err(format!("{what}; not {address}")),
    }
}

impl Sandbox {
    /// Starts the simulated Genesys on a free loopback port and builds the service on
    /// `listen`, which must be a loopback address (see [`loopback`]).
    pub fn start(listen: SocketAddr) -> Result<Self, StartError> {
        loopback(&listen.to_string())
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let genesys_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let defaults = OrgDefaults {
            upstream_timeout: SANDBOX_BUDGET,
            requests_per_minute: None,
            request_body: RequestBody::AgentPayload,
            // So the agent-presence cases show whether or not the flow passes agentId.
            verify_agent: true,
            default_cobrowse_type: CobrowseType::View,
        };
        let org = OrgSettings {
            name: None,
            genesys: defaults.genesys(GenesysAccess {
                api_url: genesys_url.clone(),
                login_url: genesys_url.clone(),
                client_id: DEMO_CLIENT_ID.to_owned(),
                client_secret: SecretString::from(DEMO_CLIENT_SECRET),
            }),
            inbound_auth: InboundAuth::Required {
                basic: Some(BasicAuth {
                    username: DEMO_USERNAME.to_owned(),
                    passwords: vec![SecretString::from(DEMO_PASSWORD)],
                }),
                bearer_tokens: Vec::new(),
            },
            default_cobrowse_type: defaults.default_cobrowse_type,
        };
        let shared = SharedSettings {
            listen,
            tls: None,
            client_timeout: Duration::from_secs(5),
            max_in_flight: 100,
            // As deployed: a second identical start shows `reused: true`.
            reuse_window: Duration::from_secs(30),
            redis_url: None,
            error_mode: ErrorMode::Inline,
            log_format: LogFormat::Pretty,
        };
        let deployment = Deployment {
            shared,
            defaults,
            orgs: vec![org],
            orgs_file: None,
        };
        let application = Application::build(&deployment)?;
        let service_url = format!(
            "http://{}",
            SocketAddr::new(listen.ip(), application.port())
        );
        // The action an admin would import for this service, as Genesys keeps it.
        let action = web::Data::new(registered_action(&service_url));
        let genesys = HttpServer::new(move || {
            App::new()
                .app_data(action.clone())
                .route("/oauth/token", web::post().to(token))
                .route("/api/v2/tokens/me", web::get().to(token_info))
                .route("/api/v2/integrations/actions", web::get().to(actions))
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
        .run();
        Ok(Sandbox {
            application,
            genesys,
            genesys_url,
            service_url,
        })
    }

    /// Serves until SIGTERM/SIGINT, then stops the simulated Genesys too.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        let genesys_handle = self.genesys.handle();
        tokio::spawn(self.genesys);
        let result = self.application.run_until_stopped().await;
        genesys_handle.stop(true).await;
        result
    }

    /// What the sandbox prints at start: a `curl` that starts a session, the special
    /// conversation ids, and a `doctor` line that checks the sandbox as an admin would an org.
    pub fn instructions(&self) -> String {
        let service = &self.service_url;
        let mut text = format!(
            "\ncobrowse-proxy sandbox: the service on {service}, talking to a simulated Genesys.\n\
             Start a cobrowse session:\n\n  \
             curl -s -u {DEMO_USERNAME}:{DEMO_PASSWORD} -H 'Content-Type: application/json' \\\n    \
             -d '{{\"conversationId\":\"5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60\",\"agentId\":\"{SANDBOX_AGENT}\",\"cobrowseType\":\"view\"}}' \\\n    \
             {service}/v1/cobrowse/start\n\n\
             Send it again within 30 s: the same session comes back, with \"reused\": true.\n\n\
             These conversation ids show a failure, or a call the agent shares:\n"
        );
        for (id, what) in SPECIAL_CONVERSATIONS {
            text.push_str(&format!("  {id}  {what}\n"));
        }
        let genesys = &self.genesys_url;
        text.push_str(&format!(
            "\nCheck the set-up as an admin would an org's, with doctor (every check answers ok):\n\n  \
             COBROWSE_GENESYS_API_URL={genesys} COBROWSE_GENESYS_LOGIN_URL={genesys} \\\n    \
             COBROWSE_GENESYS_CLIENT_ID={DEMO_CLIENT_ID} COBROWSE_GENESYS_CLIENT_SECRET={DEMO_CLIENT_SECRET} \\\n    \
             COBROWSE_AUTH_USERNAME={DEMO_USERNAME} COBROWSE_AUTH_PASSWORD={DEMO_PASSWORD} \\\n    \
             {} doctor --url {service} --allow-http\n\n\
             Stop with Ctrl-C.\n",
            this_binary()
        ));
        text
    }
}

/// How a shell runs this binary: `cobrowse-proxy` when that is the one PATH finds, otherwise
/// its path (from a clone, the `target/...` file `cargo run` built), quoted for the shell.
fn this_binary() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "cobrowse-proxy".to_owned();
    };
    let same_file = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("cobrowse-proxy"))
        .find(|candidate| candidate.is_file());
    if on_path.is_some_and(|found| same_file(&found, &exe)) {
        return "cobrowse-proxy".to_owned();
    }
    let path = exe.to_string_lossy();
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        path.into_owned()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
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

/// An id in the special ids' range that is none of them: no conversation has it, as none
/// has the ids doctor makes up in that range.
fn unknown(conversation_id: &str) -> bool {
    conversation_id.starts_with(MADE_UP_PREFIX)
        && !SPECIAL_CONVERSATIONS
            .iter()
            .any(|(special, _)| *special == conversation_id)
}

fn not_found(correlation_id: &str) -> HttpResponse {
    genesys_error(
        404,
        "not.found",
        "The requested resource was not found.",
        correlation_id,
    )
}

/// The simulated API's bearer check: `Some` is the 401 Genesys would answer.
fn refuse_bearer(request: &HttpRequest, correlation_id: &str) -> Option<HttpResponse> {
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

/// A conversation with a customer and, unless the id says otherwise, a connected agent.
async fn conversation(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let id = id.into_inner();
    if unknown(&id) {
        return not_found(&correlation_id);
    }
    let (customer, agent) = match id.as_str() {
        NOT_FOUND => return not_found(&correlation_id),
        NO_AGENT => ("connected", "alerting"),
        ENDED => ("disconnected", "disconnected"),
        _ => ("connected", "connected"),
    };
    let leg = |state: &str, since: &str| json!([{"state": state, "connectedTime": since}]);
    let mut customer = json!({"id": "p-customer", "purpose": "customer", "calls": leg(customer, "2026-11-24T09:58:00Z")});
    let mut agent = json!({"id": "p-agent", "purpose": "agent", "userId": SANDBOX_AGENT, "calls": leg(agent, "2026-11-24T10:00:00Z")});
    let mut others = Vec::new();
    match id.as_str() {
        CONSULT => others.push(json!({
            "id": "p-consulted", "purpose": "agent", "userId": CONSULTED_AGENT,
            "consultParticipantId": "p-agent", "calls": leg("connected", "2026-11-24T10:02:30.500Z")
        })),
        MONITORED => others.push(json!({
            "id": "p-supervisor", "purpose": "agent", "userId": SUPERVISOR,
            "monitoredParticipantId": "p-agent", "mediaRoles": ["monitor"],
            "calls": leg("connected", "2026-11-24T10:03:00Z")
        })),
        LIVE_COBROWSE => {
            // As a published `Cobrowsesession`: the customer shares, the agent views.
            let cobrowse = |role: &str, peer: &str| {
                json!([{
                    "state": "connected", "initialState": "alerting", "id": format!("{peer}-cobrowse"),
                    "cobrowseSessionId": "5a4db0c8-9d3e-4c1f-8b2a-7e6f5d4c3b2a",
                    "cobrowseRole": role, "controlling": [],
                    "connectedTime": "2026-11-24T10:01:05Z", "provider": "PureCloud", "peerId": peer
                }])
            };
            customer["cobrowsesessions"] = cobrowse("sharer", "p-agent");
            agent["cobrowsesessions"] = cobrowse("viewer", "p-customer");
        }
        CONSULT_BY_LATER => {
            // Both sides of a consult are marked; the initiator also by an attribute.
            agent["consultParticipantId"] = json!("p-consulted");
            agent["attributes"] = json!({"consultInitiator": "true"});
            others.push(json!({
                "id": "p-consulted", "purpose": "agent", "userId": CONSULTED_AGENT,
                "consultParticipantId": "p-agent", "calls": leg("connected", "2026-11-24T09:59:30Z")
            }));
        }
        _ => {}
    }
    let mut participants = vec![
        customer,
        json!({"id": "p-acd", "purpose": "acd", "calls": leg("disconnected", "2026-11-24T09:58:40Z")}),
        agent,
    ];
    participants.extend(others);
    HttpResponse::Ok()
        .insert_header(("ININ-Correlation-Id", correlation_id.as_str()))
        .json(json!({"id": id, "participants": participants}))
}

async fn start_cobrowse(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let id = id.into_inner();
    if unknown(&id) {
        return not_found(&correlation_id);
    }
    match id.as_str() {
        FORBIDDEN => genesys_error(
            403,
            "missing.any.permissions",
            "Unable to perform the requested action. You are missing the following permission(s): [conversation:cobrowse:add, conversation:cobrowseVoice:add]",
            &correlation_id,
        ),
        NOT_FOUND => not_found(&correlation_id),
        RATE_LIMITED => retry_later(genesys_error(
            429,
            "too.many.requests.retry.after",
            "Rate limit exceeded the maximum. Retry the request in [60] seconds",
            &correlation_id,
        )),
        UNAVAILABLE => retry_later(genesys_error(
            503,
            "service.unavailable",
            "Service Unavailable",
            &correlation_id,
        )),
        SLOW => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            session(&id, &correlation_id)
        }
        _ => session(&id, &correlation_id),
    }
}

fn retry_later(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("60"),
    );
    response
}

fn session(conversation_id: &str, correlation_id: &str) -> HttpResponse {
    let session_id = uuid::Uuid::new_v4();
    let join_code = &session_id.simple().to_string()[..6];
    let offer_ends = std::time::SystemTime::now() + Duration::from_secs(300);
    HttpResponse::Ok()
        .insert_header(("ININ-Correlation-Id", correlation_id))
        .json(json!({
            "id": session_id.to_string(),
            "name": format!("Sandbox cobrowse on {conversation_id}"),
            "joinCode": join_code,
            "websocketUrl": format!("wss://sandbox.invalid/cobrowse/{session_id}"),
            "dateOfferEnds": humantime::format_rfc3339_millis(offer_ends).to_string(),
            "communicationType": "Call",
            "selfUri": format!("/api/v2/conversations/{conversation_id}/cobrowse/{session_id}")
        }))
}

fn genesys_error(status: u16, code: &str, message: &str, correlation_id: &str) -> HttpResponse {
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
