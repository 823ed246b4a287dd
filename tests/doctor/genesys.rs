//! The Genesys org doctor checks, mocked over HTTP with the published SDK's models
//! (`TokenInfo`, `ActionEntityListing`, `Action` with its `ActionContract` and `ActionConfig`,
//! `ActionCertificateListing`, `IpAddressRangeListing`, `ErrorBody`): one where everything is
//! set up right, which a test then breaks (`answer`, `refuse_client`, `withhold_*_permission`,
//! `list_certificates`), and what it received.

use cobrowse_proxy::export::{ActionOptions, export_action};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{genesys_issuing, is_start};
use crate::harness::{ACCESS_TOKEN, CLIENT_ID};
use crate::pki::{Ca, EU_WEST_1};

pub const ORG_ID: &str = "6b2a5d1c-0d5e-4c6f-9a1b-2c3d4e5f6a7b";
pub const ORG_NAME: &str = "Acme Support EU";
pub const OAUTH_CLIENT_NAME: &str = "cobrowse-proxy production";
pub const ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000001";
pub const OLD_ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000002";
pub const RENAMED_ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000003";
pub const INTEGRATION_ID: &str = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
/// A conversation that exists in the org: doctor must never touch it.
pub const REAL_CONVERSATION: &str = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";

/// The data action as `export-action --url <url>` makes it, as Genesys stores it: every
/// field of the SDK's `Action`, `ActionContract` (`ActionInput`, `ActionOutput`),
/// `ActionConfig`, `RequestConfig` and `ResponseConfig`, its schemas as `JsonSchemaDocument`s
/// (with the document `id` Genesys gives them).
pub fn action_as_stored(id: &str, name: &str, url: &str) -> Value {
    let mut options = ActionOptions::for_url(url);
    options.allow_http = true;
    stored(id, name, &options)
}

/// [`action_as_stored`], for the action `export-action --integration aws-lambda
/// --function-arn <arn>` makes: the function's ARN as its request URL, no header.
pub fn lambda_action_as_stored(id: &str, name: &str, arn: &str) -> Value {
    stored(id, name, &ActionOptions::for_function_arn(arn))
}

fn stored(id: &str, name: &str, options: &ActionOptions) -> Value {
    let exported = export_action(options).unwrap();
    let document = |schema: &Value, id: &str| {
        let mut schema = schema.clone();
        schema["id"] = json!(id);
        schema
    };
    let input = document(&exported["contract"]["input"]["inputSchema"], "input");
    let success = document(&exported["contract"]["output"]["successSchema"], "success");
    let error = json!({"id": "error", "$schema": "http://json-schema.org/draft-04/schema#", "title": "error", "description": "", "type": "object", "required": [], "properties": {}, "additionalProperties": true});
    let request = &exported["config"]["request"];
    let response = &exported["config"]["response"];
    json!({
        "id": id,
        "name": name,
        "integrationId": INTEGRATION_ID,
        "category": exported["category"],
        "contract": {
            "output": {
                "successSchema": success,
                "successSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/successSchema.json"),
                "errorSchema": error,
                "errorSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/errorSchema.json"),
                "successSchemaFlattened": {"schema": success, "arrayProperties": []},
                "errorSchemaFlattened": {"schema": error, "arrayProperties": []}
            },
            "input": {
                "inputSchema": input,
                "inputSchemaFlattened": input,
                "inputSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/inputSchema.json")
            }
        },
        "version": 3,
        "secure": exported["secure"],
        "config": {
            "timeoutSeconds": exported["config"]["timeoutSeconds"],
            "request": {
                "requestUrlTemplate": request["requestUrlTemplate"],
                "requestTemplate": request["requestTemplate"],
                "requestTemplateUri": format!("/api/v2/integrations/actions/{id}/templates/requesttemplate.vm"),
                "requestType": request["requestType"],
                "headers": request["headers"]
            },
            "response": {
                "translationMap": response["translationMap"],
                "translationMapDefaults": response["translationMapDefaults"],
                "successTemplate": response["successTemplate"],
                "successTemplateUri": format!("/api/v2/integrations/actions/{id}/templates/successtemplate.vm")
            }
        },
        "selfUri": format!("/api/v2/integrations/actions/{id}")
    })
}

/// `ActionEntityListing`: one page holding `entities`.
pub fn listing(entities: Vec<Value>) -> Value {
    let total = entities.len();
    json!({
        "entities": entities,
        "pageSize": 100,
        "pageNumber": 1,
        "total": total,
        "lastUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "firstUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "selfUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "nextUri": null,
        "previousUri": null,
        "pageCount": 1
    })
}

/// `TokenInfo` for a client-credentials token, every field of it and of `OrgOAuthClient`.
pub fn token_info() -> Value {
    let org = json!({"id": ORG_ID, "name": ORG_NAME});
    let admin = json!({"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "Org Admin", "selfUri": "/api/v2/users/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"});
    json!({
        "organization": org,
        "homeOrganization": org,
        "authorizedScope": ["conversations", "integrations"],
        "clonedUser": {"id": "", "organization": {"id": ORG_ID}},
        "dateTokenIdles": "2026-11-25T10:00:00.000Z",
        "OAuthClient": {
            "id": CLIENT_ID,
            "name": OAUTH_CLIENT_NAME,
            "dateCreated": "2026-01-12T09:30:00.000Z",
            "dateModified": "2026-11-02T14:00:00.000Z",
            "createdBy": admin,
            "modifiedBy": admin,
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "scope": [],
            "roleDivisions": [{"roleId": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", "divisionId": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"}],
            "state": "active",
            "dateToDelete": null,
            "organization": org
        }
    })
}

/// A Genesys `ErrorBody`, with every field.
pub fn genesys_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("ININ-Correlation-Id", "corr-doctor-1")
        .set_body_json(json!({
            "message": message,
            "code": code,
            "status": status,
            "entityId": "",
            "entityName": "",
            "messageWithParams": message,
            "messageParams": {},
            "contextId": "corr-doctor-1",
            "details": [],
            "errors": [],
            "limit": null
        }))
}

pub fn missing_permissions(permissions: &str) -> ResponseTemplate {
    genesys_error(
        403,
        "missing.any.permissions",
        &format!(
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{permissions}]"
        ),
    )
}

/// A Genesys org where everything is set up right, and the service at `service` (whose URL
/// the action calls).
pub async fn healthy_org(service: &str) -> MockServer {
    let genesys = genesys_issuing(ACCESS_TOKEN).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/tokens/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_info()))
        .mount(&genesys)
        .await;
    // Any conversation but a real one is unknown to Genesys, to a start as to a read; the
    // real one would start a session.
    for (verb, route) in [
        ("POST", r"^/api/v2/conversations/[^/]+/cobrowse$"),
        ("GET", r"^/api/v2/conversations/[^/]+$"),
    ] {
        Mock::given(method(verb))
            .and(path_regex(route))
            .respond_with(genesys_error(
                404,
                "not.found",
                "The requested conversation was not found.",
            ))
            .mount(&genesys)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/{REAL_CONVERSATION}/cobrowse"
        )))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "session-started", "joinCode": "123456"})),
        )
        .with_priority(1)
        .mount(&genesys)
        .await;
    let action = action_as_stored(ACTION_ID, "Start cobrowse", service);
    let old = action_as_stored(OLD_ACTION_ID, "Start cobrowse (old)", service);
    mount_actions(&genesys, "Start cobrowse", vec![old, action.clone()]).await;
    mount_action(&genesys, action).await;
    // The region's current certificate, from Genesys's CA, and the published address ranges.
    let current = Ca::genesys("2025").client(EU_WEST_1, -65, 300);
    Mock::given(method("GET"))
        .and(path("/api/v2/integrations/actions/certificates"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(certificate_listing(vec![
                action_certificate("Genesys", &current, "Current"),
            ])),
        )
        .with_priority(2)
        .mount(&genesys)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/ipranges"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ip_ranges()))
        .mount(&genesys)
        .await;
    genesys
}

/// `ActionCertificate`, every field: `status` `Current` or `Upcoming`, `authority` `Genesys`
/// or `DigiCert`.
pub fn action_certificate(authority: &str, pem: &str, status: &str) -> Value {
    json!({"signingAuthority": authority, "certificate": pem, "status": status, "type": "Client"})
}

/// `ActionCertificateListing`: one page holding `entities`.
pub fn certificate_listing(entities: Vec<Value>) -> Value {
    let total = entities.len();
    let uri = "/api/v2/integrations/actions/certificates?pageSize=25&pageNumber=1";
    json!({
        "entities": entities,
        "pageSize": 25,
        "pageNumber": 1,
        "total": total,
        "lastUri": uri,
        "firstUri": uri,
        "selfUri": uri,
        "nextUri": null,
        "previousUri": null,
        "pageCount": 1
    })
}

/// The org lists `entities` as its data actions' certificates (once per scenario: the first
/// listing mounted is the one answered).
pub async fn list_certificates(genesys: &MockServer, entities: Vec<Value>) {
    answer(
        genesys,
        path("/api/v2/integrations/actions/certificates"),
        ResponseTemplate::new(200).set_body_json(certificate_listing(entities)),
    )
    .await;
}

/// The eu-west-1 ranges Genesys's data actions call out from, as the tests' `ip_ranges`
/// lists them.
pub const EU_WEST_1_DATA_ACTIONS: [&str; 2] = ["198.51.100.0/28", "198.51.100.64/27"];

/// `IpAddressRangeListing`, every field of each `IpAddressRange`: eu-west-1's data actions,
/// beside ranges doctor must leave out (another region's, another service's, and an inbound
/// one), all from the blocks kept for documentation (RFC 5737).
pub fn ip_ranges() -> Value {
    let range = |cidr: &str, service: &str, region: &str, direction: &str| json!({"cidr": cidr, "service": service, "region": region, "direction": direction});
    json!({"entities": [
        range("192.0.2.0/28", "data-actions", "us-east-1", "outbound"),
        range(EU_WEST_1_DATA_ACTIONS[0], "data-actions", "eu-west-1", "outbound"),
        range("203.0.113.0/28", "api", "eu-west-1", "inbound"),
        range("203.0.113.128/28", "data-actions", "eu-west-1", "inbound"),
        range(EU_WEST_1_DATA_ACTIONS[1], "data-actions", "eu-west-1", "both"),
        range("192.0.2.128/28", "audiohook", "eu-west-1", "outbound"),
    ]})
}

/// `GET /api/v2/integrations/actions?name=<name>` answers `entities`.
pub async fn mount_actions(genesys: &MockServer, name: &str, entities: Vec<Value>) {
    Mock::given(method("GET"))
        .and(path("/api/v2/integrations/actions"))
        .and(query_param("name", name))
        .respond_with(ResponseTemplate::new(200).set_body_json(listing(entities)))
        .with_priority(2)
        .mount(genesys)
        .await;
}

/// `GET /api/v2/integrations/actions/{id}?expand=contract&includeConfig=true` answers `action`.
pub async fn mount_action(genesys: &MockServer, action: Value) {
    let id = action["id"].as_str().unwrap().to_owned();
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/integrations/actions/{id}")))
        .and(query_param("expand", "contract"))
        .and(query_param("includeConfig", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(action))
        .with_priority(2)
        .mount(genesys)
        .await;
}

/// `GET /api/v2/integrations/actions/{id}` answers `action` (of its `id`) in place of the
/// healthy org's: the action the org imported instead (once per scenario and id: the first
/// mounted is the one answered).
pub async fn imported(genesys: &MockServer, action: Value) {
    let id = action["id"].as_str().unwrap().to_owned();
    answer(
        genesys,
        path(format!("/api/v2/integrations/actions/{id}")),
        ResponseTemplate::new(200).set_body_json(action),
    )
    .await;
}

/// `route` answers `template`, ahead of the healthy org's mocks.
pub async fn answer(
    genesys: &MockServer,
    route: impl wiremock::Match + 'static,
    template: ResponseTemplate,
) {
    Mock::given(route)
        .respond_with(template)
        .with_priority(1)
        .mount(genesys)
        .await;
}

/// The login service refuses the OAuth client (`invalid_client`, saying `description`), as
/// Genesys does once the org has revoked or deleted it.
pub async fn refuse_client(genesys: &MockServer, description: &str) {
    answer(
        genesys,
        path("/oauth/token"),
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "description": description,
            "error_description": description
        })),
    )
    .await;
}

/// The org withholds the permission to start cobrowse from the OAuth client: Genesys
/// refuses every start, naming the permissions it lacks.
pub async fn withhold_start_permission(genesys: &MockServer) {
    answer(
        genesys,
        path_regex("/cobrowse$"),
        missing_permissions("conversation:cobrowse:add, conversation:cobrowseVoice:add"),
    )
    .await;
}

/// The org withholds the permission to read conversations from the OAuth client.
pub async fn withhold_read_permission(genesys: &MockServer) {
    answer(
        genesys,
        path_regex(r"^/api/v2/conversations/[^/]+$"),
        missing_permissions("conversation:communication:view"),
    )
    .await;
}

/// Every request `genesys` received.
pub async fn received(genesys: &MockServer) -> Vec<Request> {
    genesys.received_requests().await.unwrap()
}

/// The conversation ids doctor sent cobrowse starts to.
pub async fn started_on(genesys: &MockServer) -> Vec<String> {
    received(genesys)
        .await
        .iter()
        .filter(|r| is_start(r))
        .map(|r| r.url.path().split('/').nth(4).unwrap().to_owned())
        .collect()
}
