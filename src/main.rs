//! Parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use cobrowse_proxy::cli::{Cli, Command};
use cobrowse_proxy::config::{Deployment, Settings};
use cobrowse_proxy::startup::Application;
use cobrowse_proxy::{doctor, export, healthcheck, sandbox, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
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
            let _logs = telemetry::init(match &deployment {
                Deployment::OneOrg(settings) => settings.log_format,
                Deployment::ManyOrgs(many) => many.log_format,
            });
            runtime().block_on(async {
                Application::build_deployment(&deployment)?
                    .run_until_stopped()
                    .await
            })
        }
        Command::Sandbox { listen } => runtime().block_on(sandbox::run(listen)),
        // The admin commands need neither settings nor a runtime: print, or probe, and exit.
        Command::ExportAction(options) => {
            return match export::export_action_text(&options) {
                Ok(action) => {
                    print!("{action}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("cobrowse-proxy: {err}");
                    ExitCode::from(2)
                }
            };
        }
        // Reads the settings as serve does, but reports a problem with them as a failed check
        // and goes on with the checks that do not need them. Nothing is logged: stdout is the
        // report.
        Command::Doctor(options) => {
            return match runtime().block_on(doctor::run(Settings::from_env(), &options)) {
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
            };
        }
        Command::Healthcheck(options) => {
            return match healthcheck::check(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("cobrowse-proxy healthcheck: {err}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cobrowse-proxy: {err}");
            ExitCode::FAILURE
        }
    }
}
