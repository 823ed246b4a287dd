//! The command line: `serve` (the default) and `sandbox` run the service; `export-action` and
//! `healthcheck` are for the admin and the container, and never read the service's settings;
//! `doctor` reads them as `serve` does, to check the Genesys set-up without serving.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

use crate::doctor::DoctorOptions;
use crate::export::ActionOptions;
use crate::healthcheck::HealthcheckOptions;

#[derive(Parser, Debug)]
#[command(name = "cobrowse-proxy", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the service, configured by COBROWSE_* environment variables (the default).
    Serve,
    /// Run on a built-in simulated Genesys with demo credentials: to try the endpoint, never
    /// for production. COBROWSE_* variables are ignored.
    Sandbox {
        /// Where to serve: a loopback address (any in 127.0.0.0/8, or [::1]) and port.
        #[arg(long, default_value = "127.0.0.1:8080", value_parser = crate::sandbox::loopback)]
        listen: SocketAddr,
        /// Serve HTTPS and ask for a client certificate, as COBROWSE_TLS_CLIENT_CA does: a
        /// throw-away CA and certificates are made in a temporary directory (removed on exit),
        /// and the printed curl presents one named like a region's data actions.
        #[arg(long)]
        mutual_tls: bool,
    },
    /// Print the data action to import into Genesys Cloud (Admin > Integrations > Actions >
    /// Import), built from the contract this binary enforces. It holds no credential: with
    /// COBROWSE_ORGS_FILE, import the same file into every org, each integration with that
    /// org's credential (docs/multi-org.md).
    ExportAction(ActionOptions),
    /// Ask the running service's GET /healthz, over HTTPS when COBROWSE_TLS_CERT is set; exit 0
    /// when it answers 200, 1 otherwise (for a container HEALTHCHECK).
    Healthcheck(HealthcheckOptions),
    /// Check the whole Genesys set-up with the COBROWSE_* settings, starting nothing: one line
    /// per check (ok, FAIL or skip, and what to do); exit 0 when no check failed, 1 otherwise.
    Doctor(DoctorOptions),
}
