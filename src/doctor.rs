//! `cobrowse-proxy doctor`: checks the whole Genesys set-up in one command, starting nothing.
//!
//! It runs where the service runs, with the same `COBROWSE_*` environment, and prints one line
//! per check: `ok`, `FAIL` or `skip`, what was checked and, for `FAIL` and `skip`, what to do.
//! The checks, in order: the configuration is usable; the login service issues a token; which
//! org and OAuth client that token is; the permissions to start cobrowse and to read
//! conversations, asked on a conversation id made up for the purpose (Genesys answers 404 when
//! the permission is held, so nothing can start); the registered data action has this binary's
//! contracts (and, with `--url`, calls that URL); and, with `--url`, the service answers
//! `GET /healthz` from here. A check that cannot run because an earlier one failed is `skip`.
//!
//! `crate::genesys::admin` sends the requests and reports what Genesys answered; every word an
//! admin reads about it, and what to do, is here. Nothing printed carries a secret: the client
//! secret, the inbound credentials and the access token are never part of a check.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::config::{ConfigError, Settings};
use crate::domain::{AgentId, ConversationId};
use crate::export::{self, ActionOptions, ExportError};
use crate::genesys::admin::{Action, Admin};
use crate::genesys::region::REGIONS;
use crate::genesys::{GenesysError, GenesysSettings, Problem};
use crate::routes::START_PATH;

/// The longest quote of Genesys's own words in a check.
const MAX_QUOTE: usize = 300;
/// How long the service's `/healthz` may take to answer.
const HEALTHZ_TIMEOUT: Duration = Duration::from_secs(10);

/// The check names, as printed and in `--format json`'s `check` field.
pub const CONFIGURATION: &str = "configuration";
pub const TOKEN: &str = "token";
pub const ORG: &str = "org";
pub const START_PERMISSION: &str = "start-permission";
pub const READ_PERMISSION: &str = "read-permission";
pub const DATA_ACTION: &str = "data-action";
pub const SERVICE_URL: &str = "service-url";

/// What the admin asked for.
#[derive(clap::Args, Clone, Debug)]
pub struct DoctorOptions {
    /// The service's public base URL, as Genesys reaches it (https, host, optional port):
    /// checks that GET <url>/healthz answers from here and that the data action calls
    /// <url>/v1/cobrowse/start.
    #[arg(long)]
    pub url: Option<String>,
    /// Accept an http:// --url. Only for tests: Genesys calls data actions over HTTPS only.
    #[arg(long)]
    pub allow_http: bool,
    /// The data action's name in Genesys.
    #[arg(long, default_value = export::DEFAULT_NAME)]
    pub action_name: String,
    /// text: one line per check; json: the same checks as one JSON array.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "FAIL")]
    Fail,
    #[serde(rename = "skip")]
    Skip,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Status::Ok => "ok",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        })
    }
}

/// One check: its name, verdict, what was checked and found, and what to do (`""` when
/// nothing; on an `ok`, a note).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    pub todo: String,
}

impl Check {
    fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Check {
            check,
            status: Status::Ok,
            detail: detail.into(),
            todo: String::new(),
        }
    }

    fn fail(check: &'static str, detail: impl Into<String>, todo: impl Into<String>) -> Self {
        Check {
            check,
            status: Status::Fail,
            detail: detail.into(),
            todo: todo.into(),
        }
    }

    fn skip(check: &'static str, detail: impl Into<String>, todo: impl Into<String>) -> Self {
        Check {
            check,
            status: Status::Skip,
            detail: detail.into(),
            todo: todo.into(),
        }
    }

    fn with_note(mut self, note: impl Into<String>) -> Self {
        self.todo = note.into();
        self
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<4} {}: {}", self.status, self.check, self.detail)?;
        match (self.status, self.todo.is_empty()) {
            (_, true) => Ok(()),
            (Status::Ok, false) => write!(f, " Note: {}", self.todo),
            (_, false) => write!(f, " What to do: {}", self.todo),
        }
    }
}

/// Every check, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// No check failed (skips do not fail the run).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// The report as printed: a line per check, or one JSON array; ends with a newline.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.checks.iter().map(|c| format!("{c}\n")).collect(),
            Format::Json => {
                let mut text =
                    serde_json::to_string_pretty(&self.checks).expect("checks serialize");
                text.push('\n');
                text
            }
        }
    }
}

/// The service's URL as the admin gave it: its base and the start URL the action must call.
struct ServiceUrl {
    base: String,
    start: String,
}

/// The `--url` refused the way `export-action` refuses it (not https, a path, credentials...).
fn service_url(options: &DoctorOptions) -> Result<Option<ServiceUrl>, ExportError> {
    let Some(url) = &options.url else {
        return Ok(None);
    };
    let mut action_options = ActionOptions::for_url(url);
    action_options.allow_http = options.allow_http;
    let action = export::export_action(&action_options)?;
    let start = action["config"]["request"]["requestUrlTemplate"]
        .as_str()
        .expect("the exported action has a request URL")
        .to_owned();
    let base = start
        .strip_suffix(START_PATH)
        .expect("the exported URL ends in the start path")
        .to_owned();
    Ok(Some(ServiceUrl { base, start }))
}

/// Runs every check. `Err` only when `--url` is not one the service could be reached at: the
/// command line is wrong, and nothing was checked.
pub async fn run(
    settings: Result<Settings, ConfigError>,
    options: &DoctorOptions,
) -> Result<Report, ExportError> {
    let url = service_url(options)?;
    let mut checks = Vec::new();
    match settings {
        Err(error) => {
            checks.push(Check::fail(
                CONFIGURATION,
                format!(
                    "the COBROWSE_* settings are not usable: {}.",
                    error.problems.join("; ")
                ),
                "Fix every variable named: `serve` refuses to start with this environment too.",
            ));
            skip_genesys(
                &mut checks,
                "needs a usable configuration.",
                "Fix the configuration (above), then run doctor again.",
            );
        }
        Ok(settings) => {
            checks.push(Check::ok(CONFIGURATION, configuration(&settings.genesys)));
            genesys_checks(&mut checks, &settings.genesys, options, url.as_ref()).await;
        }
    }
    checks.push(match &url {
        None => Check::skip(
            SERVICE_URL,
            "not checked: no --url given.",
            "Pass --url with the service's public https base URL (as in the data action) to check that it answers from here and that the action calls it.",
        ),
        Some(url) => healthz(&url.base).await,
    });
    Ok(Report { checks })
}

fn configuration(genesys: &GenesysSettings) -> String {
    let verify = if genesys.verify_agent { "on" } else { "off" };
    format!(
        "the COBROWSE_* settings are usable: Genesys in {}, Platform API {}, login service {}; COBROWSE_VERIFY_AGENT is {verify}.",
        region_of(&genesys.login_url),
        genesys.api_url,
        genesys.login_url,
    )
}

/// Marks every Genesys check not yet run as skipped.
fn skip_genesys(checks: &mut Vec<Check>, why: &str, todo: &str) {
    for name in [TOKEN, ORG, START_PERMISSION, READ_PERMISSION, DATA_ACTION] {
        if !checks.iter().any(|c| c.check == name) {
            checks.push(Check::skip(name, format!("not checked: {why}"), todo));
        }
    }
}

async fn genesys_checks(
    checks: &mut Vec<Check>,
    genesys: &GenesysSettings,
    options: &DoctorOptions,
    url: Option<&ServiceUrl>,
) {
    let admin = Admin::new(genesys);
    let token = token(&admin, genesys).await;
    let got_token = token.status == Status::Ok;
    checks.push(token);
    if !got_token {
        return skip_genesys(
            checks,
            "needs a token (see check token).",
            "Fix the token check, then run doctor again.",
        );
    }
    let org = org(&admin, genesys).await;
    let api_answers = org.status == Status::Ok;
    checks.push(org);
    if !api_answers {
        return skip_genesys(
            checks,
            "needs the Platform API to accept the token (see check org).",
            "Fix the org check, then run doctor again.",
        );
    }
    // Made up here, so no conversation has it: whatever the permission, nothing can start.
    let nowhere = ConversationId::parse(&Uuid::new_v4().to_string()).expect("a v4 UUID is an id");
    let nobody = AgentId::parse(&Uuid::new_v4().to_string()).expect("a v4 UUID is an id");
    checks.push(start_permission(&admin, nowhere, nobody).await);
    checks.push(read_permission(&admin, genesys, nowhere).await);
    checks.push(data_action(&admin, &options.action_name, url).await);
}

/// `region eu-west-1 (mypurecloud.ie)`, or the login URL's when it is not a region's.
fn region_of(login_url: &str) -> String {
    let host = url::Url::parse(login_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    REGIONS
        .iter()
        .find(|(_, domain)| host.strip_prefix("login.") == Some(domain))
        .map(|(name, domain)| format!("region {name} ({domain})"))
        .unwrap_or_else(|| format!("the region of {login_url}"))
}

/// `" (Genesys said: code: message)"`, or `""` when Genesys said nothing usable.
fn said(problem: &Problem) -> String {
    let Problem::Refused { code, message } = problem else {
        return String::new();
    };
    let said = match (code.is_empty(), message.is_empty()) {
        (true, true) => return String::new(),
        (false, true) => code.clone(),
        (true, false) => message.clone(),
        (false, false) => format!("{code}: {message}"),
    };
    let said: String = said.chars().take(MAX_QUOTE).collect();
    format!(" (Genesys said: {said})")
}

/// `" Correlation id: X."` for Genesys support, or `""`.
fn correlation(error: &GenesysError) -> String {
    if error.correlation_id.is_empty() {
        String::new()
    } else {
        format!(" Correlation id: {}.", error.correlation_id)
    }
}

/// The permission names (`conversation:cobrowse:add`) in Genesys's words, in order.
fn permissions_named(problem: &Problem) -> Vec<String> {
    let Problem::Refused { message, code } = problem else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for word in format!("{code} {message}")
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '*' | '-')))
    {
        let parts: Vec<&str> = word.split(':').collect();
        if parts.len() == 3
            && parts.iter().all(|p| !p.is_empty())
            && !found.iter().any(|f| f == word)
        {
            found.push(word.to_owned());
        }
    }
    found
}

/// A failure any request can meet: no answer, an answer that is not Genesys's, a status that
/// no check expects. `asked` names the request in words.
fn trouble(check: &'static str, asked: &str, error: &GenesysError) -> Check {
    let status = error.status;
    let said = said(&error.problem);
    let correlation = correlation(error);
    let api_url_hint = "Check that COBROWSE_GENESYS_API_URL and COBROWSE_GENESYS_LOGIN_URL point at Genesys (or unset them to use COBROWSE_GENESYS_REGION's).";
    let (detail, todo) = match &error.problem {
        Problem::Unreachable(why) => (
            format!("{asked}: no connection ({why})."),
            "Check DNS, firewall and proxy rules from this host to Genesys, and COBROWSE_GENESYS_REGION.".to_owned(),
        ),
        Problem::Broken(why) => (
            format!("{asked}: the connection failed mid-request ({why})."),
            "Check the network path to Genesys (proxies, TLS inspection), then run doctor again.".to_owned(),
        ),
        Problem::Timeout => (
            format!("{asked}: no answer within COBROWSE_UPSTREAM_TIMEOUT_MS."),
            "Check the network path to Genesys, then run doctor again; the service would time out the same way.".to_owned(),
        ),
        Problem::Throttled => (
            format!("{asked}: held back by COBROWSE_GENESYS_MAX_RPS."),
            "Run doctor again in a few seconds.".to_owned(),
        ),
        Problem::TooLarge | Problem::Unreadable => (
            format!(
                "{asked}: the answer ({status}) is not what Genesys answers.{correlation}"
            ),
            api_url_hint.to_owned(),
        ),
        Problem::AgentNotConnected { .. } | Problem::ConversationEnded => (
            format!("{asked}: an answer doctor does not expect ({status})."),
            "Run doctor again.".to_owned(),
        ),
        Problem::Refused { .. } => match status {
            401 => (
                format!(
                    "{asked}: the Platform API answered 401{said} to the token the login service had just issued.{correlation}"
                ),
                "COBROWSE_GENESYS_API_URL and COBROWSE_GENESYS_LOGIN_URL must be the same region's (unset both to use COBROWSE_GENESYS_REGION's); check the OAuth client is active.".to_owned(),
            ),
            429 => (
                format!("{asked}: Genesys answered 429{said}: it is rate limiting this OAuth client.{correlation}"),
                "Run doctor again in a minute; other services sharing the OAuth client may be sending too much.".to_owned(),
            ),
            500..=599 => (
                format!("{asked}: Genesys answered {status}{said}.{correlation}"),
                "Run doctor again shortly; check status.mypurecloud.com if it persists.".to_owned(),
            ),
            _ => (
                format!("{asked}: Genesys answered {status}{said}.{correlation}"),
                format!("Genesys's words say why. {api_url_hint}"),
            ),
        },
    };
    Check::fail(check, detail, todo)
}

async fn token(admin: &Admin, genesys: &GenesysSettings) -> Check {
    let region = region_of(&genesys.login_url);
    let login = &genesys.login_url;
    let error = match admin.token().await {
        Ok(()) => {
            return Check::ok(
                TOKEN,
                format!(
                    "the login service at {login} issued a token to the OAuth client (Client Credentials grant) in {region}."
                ),
            );
        }
        Err(error) => error,
    };
    let said = said(&error.problem);
    let correlation = correlation(&error);
    match (&error.problem, error.status) {
        (Problem::Refused { .. }, 400 | 401 | 403) => Check::fail(
            TOKEN,
            format!(
                "the login service at {login} refused the OAuth client with {}{said}.{correlation}",
                error.status
            ),
            format!(
                "Check COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET (Admin > Integrations > OAuth), that the OAuth client's grant type is Client Credentials, and that it belongs to an org in {region}; for an org in another region set COBROWSE_GENESYS_REGION to that region."
            ),
        ),
        (Problem::Unreadable, _) => Check::fail(
            TOKEN,
            format!(
                "{login}/oauth/token answered {} without an access token.{correlation}",
                error.status
            ),
            "Point COBROWSE_GENESYS_LOGIN_URL at a Genesys login service, or unset it to use COBROWSE_GENESYS_REGION's.",
        ),
        _ => trouble(TOKEN, &format!("asking {login} for a token"), &error),
    }
}

async fn org(admin: &Admin, genesys: &GenesysSettings) -> Check {
    match admin.token_info().await {
        Ok(info) => {
            let org = info.organization.unwrap_or_default();
            let client = info.oauth_client.unwrap_or_default();
            let shown = |value: Option<String>| value.unwrap_or_else(|| "(not given)".to_owned());
            Check::ok(
                ORG,
                format!(
                    "the token is for org {:?} (id {}), OAuth client {:?}, through {}.",
                    shown(org.name),
                    shown(org.id),
                    shown(client.name),
                    genesys.api_url
                ),
            )
        }
        Err(error) => trouble(ORG, "GET /api/v2/tokens/me", &error),
    }
}

const START_PERMISSIONS: &str =
    "conversation:cobrowse:add (messaging) and/or conversation:cobrowseVoice:add (voice)";

async fn start_permission(admin: &Admin, nowhere: ConversationId, nobody: AgentId) -> Check {
    let asked = format!("starting cobrowse on conversation {nowhere}, which doctor made up");
    match admin.try_start_cobrowse(nowhere, nobody).await {
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 404 => {
            Check::ok(
                START_PERMISSION,
                format!(
                    "the OAuth client may start cobrowse: Genesys answered 404 to {asked}, so it holds conversation:cobrowse:add or conversation:cobrowseVoice:add. Nothing was started."
                ),
            )
        }
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 403 => {
            let named = permissions_named(&error.problem);
            let give = if named.is_empty() {
                START_PERMISSIONS.to_owned()
            } else {
                format!("{} (as Genesys named them)", named.join(" / "))
            };
            Check::fail(
                START_PERMISSION,
                format!(
                    "the OAuth client may not start cobrowse: Genesys answered 403{} to {asked}.{}",
                    said(&error.problem),
                    correlation(&error)
                ),
                format!(
                    "Give the OAuth client's role {give} in Admin > Roles / Permissions, then run doctor again."
                ),
            )
        }
        Err(error)
            if matches!(error.problem, Problem::Refused { .. })
                && matches!(error.status, 400 | 415 | 422) =>
        {
            Check::fail(
                START_PERMISSION,
                format!(
                    "Genesys answered {}{} to {asked}, where 404 (permission held) or 403 (missing) was expected.{}",
                    error.status,
                    said(&error.problem),
                    correlation(&error)
                ),
                "Genesys refused the request itself, as it would the service's: if it names the body, try COBROWSE_REQUEST_BODY=empty (the form the published SDK sends).",
            )
        }
        Err(error) => trouble(START_PERMISSION, &asked, &error),
        Ok(status) => Check::fail(
            START_PERMISSION,
            format!(
                "{asked}: answered {status}, which Genesys never answers for a conversation that does not exist."
            ),
            "Check that COBROWSE_GENESYS_API_URL points at the Genesys Platform API (or unset it to use COBROWSE_GENESYS_REGION's).",
        ),
    }
}

async fn read_permission(
    admin: &Admin,
    genesys: &GenesysSettings,
    nowhere: ConversationId,
) -> Check {
    let asked = format!("reading conversation {nowhere}, which doctor made up");
    let give = "give the OAuth client's role conversation:communication:view in Admin > Roles / Permissions";
    match admin.try_read_conversation(nowhere).await {
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 404 => {
            Check::ok(
                READ_PERMISSION,
                format!(
                    "the OAuth client may read conversations (conversation:communication:view): Genesys answered 404 to {asked}. Flows may leave agentId blank to use the connected agent."
                ),
            )
        }
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 403 => {
            let refused = format!(
                "the OAuth client may not read conversations: Genesys answered 403{} to {asked}.{}",
                said(&error.problem),
                correlation(&error)
            );
            if genesys.verify_agent {
                Check::fail(
                    READ_PERMISSION,
                    format!(
                        "{refused} COBROWSE_VERIFY_AGENT is on, so every start reads the conversation first and would fail with MISSING_PERMISSION."
                    ),
                    format!("{give}, or set COBROWSE_VERIFY_AGENT=false."),
                )
            } else {
                Check::ok(READ_PERMISSION, refused).with_note(format!(
                    "needed only by flows that leave agentId blank (the service then reads the conversation to find the connected agent): such starts fail with MISSING_PERMISSION. If any flow does, {give}; otherwise have every flow pass agentId."
                ))
            }
        }
        Err(error) => trouble(READ_PERMISSION, &asked, &error),
        Ok(status) => Check::fail(
            READ_PERMISSION,
            format!(
                "{asked}: answered {status}, which Genesys never answers for a conversation that does not exist."
            ),
            "Check that COBROWSE_GENESYS_API_URL points at the Genesys Platform API (or unset it to use COBROWSE_GENESYS_REGION's).",
        ),
    }
}

/// The `export-action` command that makes the action to import.
fn export_command(name: &str, url: Option<&ServiceUrl>) -> String {
    let url = url.map_or("https://<the service's public host>", |u| &u.base);
    if name == export::DEFAULT_NAME {
        format!("cobrowse-proxy export-action --url {url} > start-cobrowse.action.json")
    } else {
        format!(
            "cobrowse-proxy export-action --url {url} --name {name:?} > start-cobrowse.action.json"
        )
    }
}

async fn data_action(admin: &Admin, name: &str, url: Option<&ServiceUrl>) -> Check {
    let no_view = |error: &GenesysError| {
        Check::skip(
            DATA_ACTION,
            format!(
                "not checked: the OAuth client may not read data actions (Genesys answered 403{}).",
                said(&error.problem)
            ),
            format!(
                "Give the OAuth client's role integrations:action:view (read only) to have doctor compare the action with this binary, or compare it by hand with `{}`.",
                export_command(name, url)
            ),
        )
    };
    let listed = match admin.find_actions(name).await {
        Ok(listed) => listed,
        Err(error) if is_forbidden(&error) => return no_view(&error),
        Err(error) => return trouble(DATA_ACTION, "GET /api/v2/integrations/actions", &error),
    };
    let wanted = name.trim();
    let (named, similar): (Vec<Action>, Vec<Action>) = listed
        .into_iter()
        .partition(|a| a.name.as_deref().map(str::trim) == Some(wanted));
    if named.is_empty() {
        // Genesys's filter matches part of a name: a few of those may be the one meant.
        let similar: Vec<String> = similar
            .iter()
            .filter_map(|a| a.name.as_deref())
            .take(5)
            .map(|n| format!("{n:?}"))
            .collect();
        let similar = if similar.is_empty() {
            String::new()
        } else {
            format!(" (similar names: {})", similar.join(", "))
        };
        return Check::fail(
            DATA_ACTION,
            format!("no published data action is named {wanted:?}{similar}."),
            format!(
                "Import it: `{}`, then Admin > Integrations > Actions > Import, choose the file and the Web Services Data Actions integration, and Save & Publish (a draft is not listed). If the action has another name, pass --action-name.",
                export_command(name, url)
            ),
        );
    }
    let input = embedded(crate::contract::INPUT_SCHEMA);
    let success = embedded(crate::contract::OUTPUT_SCHEMA);
    let several = named.len() > 1;
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    let (mut contract_differs, mut url_differs) = (false, false);
    for listed in &named {
        let id = listed.id.clone().unwrap_or_default();
        let action = match admin.action(&id).await {
            Ok(action) => action,
            Err(error) if is_forbidden(&error) => return no_view(&error),
            Err(error) => {
                return trouble(
                    DATA_ACTION,
                    &format!("GET /api/v2/integrations/actions/{id}"),
                    &error,
                );
            }
        };
        let version = action
            .version
            .map(|v| format!(", version {v}"))
            .unwrap_or_default();
        ids.push(format!("id {id}{version}"));
        let which = if several {
            format!("action {id}: ")
        } else {
            String::new()
        };
        for (part, found, expected, file) in [
            (
                "input",
                action.input_schema(),
                &input,
                "schemas/start-cobrowse.input.json",
            ),
            (
                "success",
                action.success_schema(),
                &success,
                "schemas/start-cobrowse.output.json",
            ),
        ] {
            if let Some(differences) = schema_differences(found, expected) {
                contract_differs = true;
                problems.push(format!(
                    "{which}its {part} contract is not this binary's {file} ({differences})"
                ));
            }
        }
        if let Some(url) = url {
            let found = action.request_url().unwrap_or_default();
            if !same_url(found, &url.start) {
                url_differs = true;
                problems.push(format!(
                    "{which}its request URL is {found:?}, not {:?}",
                    url.start
                ));
            }
        }
    }
    let ids = ids.join("; ");
    if problems.is_empty() {
        let calls = match url {
            Some(url) => format!(" and calls {}", url.start),
            None => " (its request URL was not compared: no --url given)".to_owned(),
        };
        return Check::ok(
            DATA_ACTION,
            format!(
                "data action {wanted:?} ({ids}) has this binary's input and success contracts{calls}."
            ),
        );
    }
    let mut todo = Vec::new();
    if contract_differs {
        todo.push(format!(
            "Re-export the action (`{}`) and import it again in place of this one (or paste the schemas into its Setup > Contracts), publish it, then republish every flow that calls it: a flow keeps the contract it was published with.",
            export_command(name, url)
        ));
    }
    if url_differs && let Some(url) = url {
        todo.push(format!(
            "Set the action's request URL to {} (Setup > Configuration, or re-export with --url {} and import again) and publish it; if the action's URL is the right one, run doctor with that --url instead.",
            url.start, url.base
        ));
    }
    Check::fail(
        DATA_ACTION,
        format!("data action {wanted:?} ({ids}): {}.", problems.join("; ")),
        todo.join(" "),
    )
}

fn is_forbidden(error: &GenesysError) -> bool {
    matches!(error.problem, Problem::Refused { .. }) && error.status == 403
}

/// The schemas are part of the binary and tested, so a parse failure is a build defect.
fn embedded(schema: &str) -> Value {
    serde_json::from_str(schema).expect("embedded schema is JSON")
}

/// How Genesys's copy of a schema differs from the embedded one, in words; `None` when equal.
/// Genesys's own document id (`id`) and fields it sends as `null` are not part of the
/// contract and are left out of the comparison.
fn schema_differences(found: Option<&Value>, expected: &Value) -> Option<String> {
    let Some(Value::Object(found)) = found else {
        return Some("Genesys has no such contract".to_owned());
    };
    let expected = expected
        .as_object()
        .expect("an embedded schema is an object");
    let mut found = found.clone();
    found.retain(|key, value| !value.is_null() && (key != "id" || expected.contains_key("id")));
    if &found == expected {
        return None;
    }
    let mut differences = Vec::new();
    let no_properties = serde_json::Map::new();
    let properties = |schema: &serde_json::Map<String, Value>| match schema.get("properties") {
        Some(Value::Object(properties)) => properties.clone(),
        _ => no_properties.clone(),
    };
    let (have, want) = (properties(&found), properties(expected));
    let lacks: Vec<&str> = want
        .keys()
        .filter(|k| !have.contains_key(*k))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .map(String::as_str)
        .collect();
    let changed: Vec<&str> = want
        .iter()
        .filter(|(k, v)| have.get(*k).is_some_and(|h| h != *v))
        .map(|(k, _)| k.as_str())
        .collect();
    if !lacks.is_empty() {
        differences.push(format!("lacks {}", lacks.join(", ")));
    }
    if !extra.is_empty() {
        differences.push(format!("has extra {}", extra.join(", ")));
    }
    if !changed.is_empty() {
        differences.push(format!("{} differ", changed.join(", ")));
    }
    let mut keys: Vec<&String> = found.keys().chain(expected.keys()).collect();
    keys.sort();
    keys.dedup();
    let other: Vec<&str> = keys
        .into_iter()
        .filter(|k| *k != "properties" && found.get(*k) != expected.get(*k))
        .map(String::as_str)
        .collect();
    if !other.is_empty() {
        differences.push(format!("{} differ", other.join(", ")));
    }
    Some(differences.join("; "))
}

/// Two URLs are the same when they parse to the same URL (host case, default port).
fn same_url(found: &str, expected: &str) -> bool {
    match (url::Url::parse(found.trim()), url::Url::parse(expected)) {
        (Ok(found), Ok(expected)) => found == expected,
        _ => found.trim() == expected,
    }
}

/// `GET <base>/healthz`, from here: DNS, the TLS certificate and routing to the service.
async fn healthz(base: &str) -> Check {
    let url = format!("{base}/healthz");
    // reqwest is built without a bundled crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = match reqwest::Client::builder()
        .timeout(HEALTHZ_TIMEOUT)
        .user_agent(concat!("cobrowse-proxy-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return Check::fail(
                SERVICE_URL,
                format!("GET {url}: no HTTP client ({})", describe(error)),
                "Run doctor again.",
            );
        }
    };
    let reach = "Check that the host name resolves from here, that its TLS certificate is valid for it and signed by a public CA (Genesys accepts no other), and that the ingress or load balancer routes it to the cobrowse-proxy service.";
    let response = match client.get(&url).send().await {
        Ok(response) => response,
        Err(error) => {
            let why = if error.is_timeout() {
                format!("no answer within {} s", HEALTHZ_TIMEOUT.as_secs())
            } else {
                describe(error)
            };
            return Check::fail(SERVICE_URL, format!("GET {url}: {why}."), reach);
        }
    };
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    let is_ours = serde_json::from_slice::<Value>(&body).is_ok_and(|body| body["status"] == "ok");
    match (status, is_ours) {
        (200, true) => Check::ok(
            SERVICE_URL,
            format!("GET {url} answered 200 from here: DNS, TLS and routing reach the service."),
        ),
        (200, false) => Check::fail(
            SERVICE_URL,
            format!(
                "GET {url} answered 200, but not as cobrowse-proxy does ({{\"status\":\"ok\"}})."
            ),
            "Route the URL to the cobrowse-proxy service, not to another application.",
        ),
        (status, _) => Check::fail(SERVICE_URL, format!("GET {url} answered {status}."), reach),
    }
}

/// The error and its causes, without the URL (already in the check).
fn describe(error: reqwest::Error) -> String {
    use std::error::Error;
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permissions_are_named_as_genesys_named_them() {
        let refused = Problem::Refused {
            code: "missing.any.permissions".into(),
            message: "Unable to perform the requested action. You must have at least one of the following permissions assigned: [conversation:cobrowse:add, conversation:cobrowseVoice:add]".into(),
        };
        assert_eq!(
            permissions_named(&refused),
            [
                "conversation:cobrowse:add",
                "conversation:cobrowseVoice:add"
            ]
        );
        let vague = Problem::Refused {
            code: "not.authorized".into(),
            message: "You are not authorized to perform the requested action.".into(),
        };
        assert!(permissions_named(&vague).is_empty());
    }

    #[test]
    fn a_schema_differs_by_what_a_flow_designer_would_see() {
        let expected = json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        let same_with_genesys_id = json!({"id": "urn:x", "$schema": null, "type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        assert_eq!(
            schema_differences(Some(&same_with_genesys_id), &expected),
            None
        );
        let old = json!({"type": "object", "required": [], "properties": {"a": {"type": "integer"}, "c": {}}});
        assert_eq!(
            schema_differences(Some(&old), &expected).unwrap(),
            "lacks b; has extra c; a differ; required differ"
        );
        assert_eq!(
            schema_differences(None, &expected).unwrap(),
            "Genesys has no such contract"
        );
    }

    #[test]
    fn the_region_is_named_from_the_login_url() {
        assert_eq!(
            region_of("https://login.mypurecloud.ie"),
            "region eu-west-1 (mypurecloud.ie)"
        );
        assert!(region_of("http://127.0.0.1:9000").contains("http://127.0.0.1:9000"));
    }

    #[test]
    fn urls_compare_as_urls() {
        assert!(same_url(
            "https://Cobrowse.Example.com:443/v1/cobrowse/start",
            "https://cobrowse.example.com/v1/cobrowse/start"
        ));
        assert!(!same_url(
            "https://old.example.com/v1/cobrowse/start",
            "https://cobrowse.example.com/v1/cobrowse/start"
        ));
    }

    #[test]
    fn a_line_starts_with_its_verdict_and_ends_with_what_to_do() {
        let fail = Check::fail(TOKEN, "refused.", "Check the secret.");
        assert_eq!(
            fail.to_string(),
            "FAIL token: refused. What to do: Check the secret."
        );
        assert_eq!(Check::ok(ORG, "Acme.").to_string(), "ok   org: Acme.");
        let noted = Check::ok(READ_PERMISSION, "no.").with_note("pass agentId.");
        assert_eq!(
            noted.to_string(),
            "ok   read-permission: no. Note: pass agentId."
        );
    }
}
