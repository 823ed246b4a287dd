//! Parses the command line and hands over to the library.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use cobrowse_proxy::cli::{Cli, Command};
use cobrowse_proxy::config::Deployment;
use cobrowse_proxy::sandbox::Sandbox;
use cobrowse_proxy::startup::{Application, StartError};
use cobrowse_proxy::telemetry::{self, LogFormat};
use cobrowse_proxy::{doctor, export, healthcheck};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            // Fail before binding, with every problem at once; logging is not set up yet
            // (its format is part of the configuration), so this goes to stderr as text.
            let deployment = match Deployment::from_env() {
                Ok(deployment) => deployment,
                Err(err) => {
                    eprintln!("cobrowse-proxy: {err}");
                    return ExitCode::from(2);
                }
            };
            let _logs = telemetry::init(deployment.shared.log_format);
            runtime().block_on(async {
                match Application::build(&deployment) {
                    Ok(application) => served(application.run_until_stopped().await),
                    Err(err) => refused(
                        err,
                        "COBROWSE_LISTEN",
                        "stop what listens there, or set COBROWSE_LISTEN to another address",
                    ),
                }
            })
        }
        Command::Sandbox { listen, mutual_tls } => runtime().block_on(async {
            let _logs = telemetry::init(LogFormat::Pretty);
            let started = if mutual_tls {
                Sandbox::start_with_mutual_tls(listen)
            } else {
                Sandbox::start(listen)
            };
            match started {
                Ok(sandbox) => {
                    println!("{}", sandbox.instructions());
                    served(sandbox.run_until_stopped().await)
                }
                Err(err) => refused(
                    err,
                    "sandbox --listen",
                    concat!(
                        "stop what listens there, or pass another loopback address, ",
                        "such as --listen 127.0.0.1:8081"
                    ),
                ),
            }
        }),
        // The admin commands need neither settings nor a runtime: print, or probe, and exit.
        Command::ExportAction(options) => match export::export_action_text(&options) {
            Ok(action) => {
                print!("{action}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("cobrowse-proxy: {err}");
                ExitCode::from(2)
            }
        },
        // Reads the settings as serve does, but reports a problem with them as a failed check
        // and goes on with the checks that do not need them. Nothing is logged: stdout is the
        // report.
        Command::Doctor(options) => {
            match runtime().block_on(doctor::run(Deployment::from_env(), &options)) {
                Ok(report) => {
                    print!("{}", report.render(options.format));
                    if report.passed() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(err) => {
                    eprintln!("cobrowse-proxy doctor: {err}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Healthcheck(options) => match healthcheck::check(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("cobrowse-proxy healthcheck: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

/// A refusal to start, before serving: exit 2, as for a configuration `serve` refuses. An
/// address that cannot be bound is named with the `setting` that chose it.
fn refused(err: StartError, setting: &str, todo: &str) -> ExitCode {
    match err {
        StartError::Listen { address, source } => {
            eprintln!("cobrowse-proxy: cannot listen on {address} ({setting}): {source}; {todo}")
        }
        other => eprintln!("cobrowse-proxy: {other}"),
    }
    ExitCode::from(2)
}

/// How serving ended: 0 when stopped by a signal, 1 when it failed.
fn served(result: io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cobrowse-proxy: {err}");
            ExitCode::FAILURE
        }
    }
}
