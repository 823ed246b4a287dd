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
//!
//! This file starts both and prints how to try them; `simulated.rs` is the simulated Genesys
//! (its login service, token and data action requests), `egress.rs` what it publishes of its
//! data actions' calls (certificates, address ranges), `conversations.rs` the special
//! conversation ids with what the simulated API answers on each, and `mutual_tls.rs` the
//! throw-away CA and certificates of `sandbox --mutual-tls`.

mod conversations;
mod egress;
pub mod mutual_tls;
mod refusals;
mod simulated;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use secrecy::SecretString;

use crate::config::{Deployment, GenesysAccess, OrgDefaults, SharedSettings};
use crate::genesys::RequestBody;
use crate::inbound_auth::{BasicAuth, InboundAuth};
use crate::outcome::ErrorMode;
use crate::startup::{Application, StartError};
use crate::telemetry::LogFormat;
pub use conversations::{
    CONSULT, CONSULT_BY_LATER, CONSULTED_AGENT, ENDED, FORBIDDEN, LIVE_COBROWSE, MONITORED,
    NO_AGENT, NOT_FOUND, RATE_LIMITED, SANDBOX_AGENT, SLOW, SPECIAL_CONVERSATIONS, SUPERVISOR,
    UNAVAILABLE,
};

/// The inbound Basic credential the sandbox accepts.
pub const DEMO_USERNAME: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-password";
const DEMO_CLIENT_ID: &str = "sandbox-client";
const DEMO_CLIENT_SECRET: &str = "sandbox-secret";
const DEMO_TOKEN: &str = "sandbox-access-token";
/// Short, so the slow case answers within seconds.
const SANDBOX_BUDGET: Duration = Duration::from_secs(3);

/// A running sandbox: the service and its simulated Genesys.
pub struct Sandbox {
    pub application: Application,
    genesys: actix_web::dev::Server,
    /// `http://127.0.0.1:port` of the simulated Genesys (its login service and its API).
    genesys_url: String,
    /// `http://address:port` of the service (`https://` with mutual TLS).
    service_url: String,
    /// With `--mutual-tls`: the throw-away CA and certificates, removed when this is dropped.
    mutual_tls: Option<mutual_tls::Files>,
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
        Self::build(listen, false)
    }

    /// [`Sandbox::start`], the service serving HTTPS and asking for a client certificate
    /// (`sandbox --mutual-tls`): see `mutual_tls.rs`.
    pub fn start_with_mutual_tls(listen: SocketAddr) -> Result<Self, StartError> {
        Self::build(listen, true)
    }

    fn build(listen: SocketAddr, with_mutual_tls: bool) -> Result<Self, StartError> {
        loopback(&listen.to_string())
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let mutual_tls = match with_mutual_tls {
            true => Some(mutual_tls::Files::generate(listen.ip())?),
            false => None,
        };
        let (tls, tls_client) = match &mutual_tls {
            Some(files) => {
                let (tls, client) = files.settings()?;
                (Some(tls), Some(client))
            }
            None => (None, None),
        };
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let genesys_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let defaults = OrgDefaults {
            requests_per_minute: None,
            request_body: RequestBody::AgentPayload,
            // So the agent-presence cases show whether or not the flow passes agentId.
            verify_agent: true,
            ..OrgDefaults::built_in(SANDBOX_BUDGET)
        };
        let org = defaults.org(
            None,
            GenesysAccess {
                api_url: genesys_url.clone(),
                login_url: genesys_url.clone(),
                client_id: DEMO_CLIENT_ID.to_owned(),
                client_secret: SecretString::from(DEMO_CLIENT_SECRET),
                client_next: None,
                // As an org in the sandbox's region expects its data actions' certificate.
                tls_client_name: mutual_tls
                    .as_ref()
                    .map(|_| mutual_tls::client_name().to_owned()),
            },
            InboundAuth::Required {
                basic: Some(BasicAuth {
                    username: DEMO_USERNAME.to_owned(),
                    passwords: vec![SecretString::from(DEMO_PASSWORD)],
                }),
                bearer_tokens: Vec::new(),
            },
        );
        let shared = SharedSettings {
            listen,
            tls,
            tls_client,
            client_timeout: Duration::from_secs(5),
            max_in_flight: 100,
            // As deployed: a second identical start shows `reused: true`.
            reuse_window: Duration::from_secs(30),
            redis: None,
            error_mode: ErrorMode::Inline,
            log_format: LogFormat::Pretty,
            lambda: false,
        };
        let deployment = Deployment {
            shared,
            defaults,
            orgs: vec![org],
            orgs_file: None,
            read_from_aws: Vec::new(),
        };
        let application = Application::build(&deployment)?;
        let scheme = if mutual_tls.is_some() {
            "https"
        } else {
            "http"
        };
        let service_url = format!(
            "{scheme}://{}",
            SocketAddr::new(listen.ip(), application.port())
        );
        let listed = match &mutual_tls {
            Some(files) => Some(files.client_pem()?),
            None => None,
        };
        let genesys = simulated::serve(listener, &service_url, listed)?;
        Ok(Sandbox {
            application,
            genesys,
            genesys_url,
            service_url,
            mutual_tls,
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

    /// What the sandbox prints at start: a `curl` that starts a session (with mutual TLS, and
    /// one refused without the client certificate), the special conversation ids, and a
    /// `doctor` line that checks the sandbox as an admin would an org.
    pub fn instructions(&self) -> String {
        let service = &self.service_url;
        let mut text = format!(
            "\ncobrowse-proxy sandbox: the service on {service}, talking to a simulated Genesys.\n\
             Start a cobrowse session:\n\n{}\n\
             Send it again within 30 s: the same session comes back, with \"reused\": true.\n\n",
            self.curl(true)
        );
        if let Some(files) = &self.mutual_tls {
            text.push_str(&files.explained(&self.curl(false)));
        }
        text.push_str("These conversation ids show a failure, or a call the agent shares:\n");
        for (id, what) in SPECIAL_CONVERSATIONS {
            text.push_str(&format!("  {id}  {what}\n"));
        }
        let genesys = &self.genesys_url;
        // doctor's GET /healthz trusts the throw-away CA that issued the service's certificate,
        // and doctor is given the service's mutual TLS settings, so that its
        // client-certificates check judges the listed certificate as the service would.
        let trust = match &self.mutual_tls {
            Some(files) => format!(
                "SSL_CERT_FILE={ca} \\\n    \
                 COBROWSE_TLS_CERT={cert} COBROWSE_TLS_KEY={key} \\\n    \
                 COBROWSE_TLS_CLIENT_CA={ca} COBROWSE_TLS_CLIENT_NAME={name} \\\n    ",
                ca = shell_word(&files.ca()),
                cert = shell_word(&files.server_cert()),
                key = shell_word(&files.server_key()),
                name = mutual_tls::client_name(),
            ),
            None => String::new(),
        };
        text.push_str(&format!(
            "\nCheck the set-up as an admin would an org's, with doctor \
             (every check answers ok):\n\n  \
             {trust}COBROWSE_GENESYS_API_URL={genesys} COBROWSE_GENESYS_LOGIN_URL={genesys} \\\n    \
             COBROWSE_GENESYS_CLIENT_ID={DEMO_CLIENT_ID} \
             COBROWSE_GENESYS_CLIENT_SECRET={DEMO_CLIENT_SECRET} \\\n    \
             COBROWSE_AUTH_USERNAME={DEMO_USERNAME} COBROWSE_AUTH_PASSWORD={DEMO_PASSWORD} \\\n    \
             {} doctor --url {service} --allow-http\n\n\
             Stop with Ctrl-C.\n",
            this_binary()
        ));
        text
    }

    /// The `curl` that starts a session; with mutual TLS, trusting the throw-away CA and
    /// presenting the client certificate when `with_certificate`.
    fn curl(&self, with_certificate: bool) -> String {
        let tls = match &self.mutual_tls {
            None => String::new(),
            Some(files) => {
                let mut options = format!("--cacert {}", shell_word(&files.ca()));
                if with_certificate {
                    options.push_str(&format!(
                        " \\\n    --cert {} --key {}",
                        shell_word(&files.client_cert()),
                        shell_word(&files.client_key())
                    ));
                }
                options + " \\\n    "
            }
        };
        let service = &self.service_url;
        format!(
            "  curl -s {tls}-u {DEMO_USERNAME}:{DEMO_PASSWORD} -H 'Content-Type: application/json' \\\n    \
             -d '{{\"conversationId\":\"5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60\",\"agentId\":\"{SANDBOX_AGENT}\",\"cobrowseType\":\"view\"}}' \\\n    \
             {service}/v1/cobrowse/start\n"
        )
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
    shell_word(&exe)
}

/// A path as one word of a shell line: as it is when it is plain, otherwise quoted.
fn shell_word(path: &Path) -> String {
    let path = path.to_string_lossy();
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        path.into_owned()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}
