//! The command line: `serve` (the default) and `sandbox`.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

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
        /// Loopback address to serve on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
}
