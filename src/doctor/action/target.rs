//! What the data action must call, for the deployment doctor checks. A server is called by a
//! web services action at its start URL. A Lambda function (`COBROWSE_LAMBDA=true`) is
//! invoked by an action of Genesys's AWS Lambda data actions integration, whose request URL
//! is the function's ARN, or, when it serves a function URL (an inbound credential is set),
//! called by a web services action at that URL. An action is told apart by its request URL:
//! Genesys's `Action` carries its integration's id, not its type, and an ARN is what only the
//! Lambda integration takes. What to do names the `export-action` line for the kind wanted.

use super::same_url;
use crate::config::PREFIX;
use crate::doctor::DoctorOptions;
use crate::doctor::orgs::Deployed;
use crate::doctor::service_url::ServiceUrl;
use crate::export::{self, ActionOptions, ExportError, Integration, function_arn_problem};

/// What the admin said the action calls (`--url`, `--function-arn`), and where the service
/// runs.
#[derive(Clone, Copy)]
pub(in crate::doctor) struct Target<'a> {
    pub deployed: Deployed,
    pub url: Option<&'a ServiceUrl>,
    pub function_arn: Option<&'a str>,
}

/// `--function-arn`, refused as `export-action` refuses it (not a Lambda function's ARN).
pub(in crate::doctor) fn given_function_arn(
    options: &DoctorOptions,
) -> Result<Option<String>, ExportError> {
    let Some(arn) = &options.function_arn else {
        return Ok(None);
    };
    let action = export::export_action(&ActionOptions::for_function_arn(arn))?;
    let arn = action["config"]["request"]["requestUrlTemplate"]
        .as_str()
        .expect("the exported action names the function");
    Ok(Some(arn.to_owned()))
}

/// The kind of an imported action, by its request URL: an ARN is the AWS Lambda
/// integration's, anything else a web services action's URL.
pub(super) fn kind_of(request_url: &str) -> Integration {
    if request_url.trim().starts_with("arn:") {
        Integration::AwsLambda
    } else {
        Integration::WebServices
    }
}

impl Target<'_> {
    /// The kind of action this deployment wants when none is found: a server's web services
    /// one; in Lambda the AWS Lambda one, unless the admin gave only the function URL.
    pub(super) fn wanted(self) -> Integration {
        match self.deployed {
            Deployed::Server => Integration::WebServices,
            Deployed::Lambda { function_url: true }
                if self.url.is_some() && self.function_arn.is_none() =>
            {
                Integration::WebServices
            }
            Deployed::Lambda { .. } => Integration::AwsLambda,
        }
    }

    /// Whether this deployment can be called by an action of `kind`.
    pub(super) fn fits(self, kind: Integration) -> bool {
        match (self.deployed, kind) {
            (Deployed::Server, kind) => kind == Integration::WebServices,
            (Deployed::Lambda { function_url }, kind) => {
                function_url || kind == Integration::AwsLambda
            }
        }
    }

    /// The `export-action` line that makes an action of `kind` to import; `found`: the
    /// function an action found invokes, when no `--function-arn` names one.
    pub(super) fn export_command(
        self,
        kind: Integration,
        name: &str,
        found: Option<&str>,
    ) -> String {
        let named = if name == export::DEFAULT_NAME {
            String::new()
        } else {
            format!(" --name {name:?}")
        };
        match kind {
            Integration::WebServices => {
                let url = self
                    .url
                    .map_or("https://<the service's public host>", |u| &u.base);
                format!(
                    "cobrowse-proxy export-action --url {url}{named} > start-cobrowse.action.json"
                )
            }
            Integration::AwsLambda => {
                let found = found.filter(|arn| function_arn_problem(arn).is_none());
                let arn = self
                    .function_arn
                    .or(found)
                    .unwrap_or("<the stack's FunctionArn>");
                format!(
                    "cobrowse-proxy export-action --integration aws-lambda --function-arn {arn}{named} > start-cobrowse.lambda.action.json"
                )
            }
        }
    }

    /// What an action calls, as an `ok` line says it.
    pub(super) fn calls(self, request_url: &str) -> String {
        match (kind_of(request_url), self.url, self.function_arn) {
            (Integration::AwsLambda, _, Some(arn)) => {
                format!(" and invokes the Lambda function {arn} (AWS Lambda data actions)")
            }
            (Integration::AwsLambda, _, None) => format!(
                " and invokes the Lambda function {} (AWS Lambda data actions; not compared: no --function-arn given)",
                request_url.trim()
            ),
            (Integration::WebServices, Some(url), _) => format!(" and calls {}", url.start),
            (Integration::WebServices, None, _) => {
                " (its request URL was not compared: no --url given)".to_owned()
            }
        }
    }

    /// What is wrong with what an action calls (`which` begins the words when several
    /// actions have the name), and what to do; `None` when it calls what it should.
    pub(super) fn problem(
        self,
        request_url: &str,
        which: &str,
        name: &str,
    ) -> Option<(String, String)> {
        let found = request_url.trim();
        let import_lambda = || {
            format!(
                "Import the AWS Lambda action in its place: `{}`, then Admin > Integrations > Actions > Import into the AWS Lambda Data Actions integration, and publish it.",
                self.export_command(Integration::AwsLambda, name, None)
            )
        };
        match kind_of(found) {
            Integration::AwsLambda => {
                if self.deployed == Deployed::Server {
                    return Some((
                        format!(
                            "{which}it is an AWS Lambda data actions action (it invokes {found:?}), but this deployment is a server ({PREFIX}LAMBDA is not set), which Genesys reaches over HTTPS"
                        ),
                        format!(
                            "If the service runs in AWS Lambda, run doctor with the function's environment ({PREFIX}LAMBDA=true, as the stack sets it). Otherwise import the web services action in its place: `{}`, into the Web Services Data Actions integration, and publish it.",
                            self.export_command(Integration::WebServices, name, None)
                        ),
                    ));
                }
                if let Some(why) = function_arn_problem(found) {
                    return Some((
                        format!("{which}its request URL {found:?} {why}"),
                        format!(
                            "The action must name the function's ARN (the stack's FunctionArn output). {}",
                            import_lambda()
                        ),
                    ));
                }
                match self.function_arn {
                    Some(arn) if arn != found => Some((
                        format!("{which}it invokes {found:?}, not {arn:?}"),
                        format!(
                            "Set the action's request URL to {arn} (Setup > Configuration, or re-export with --function-arn {arn} and import again) and publish it; if the action's function is the right one, run doctor with that --function-arn instead."
                        ),
                    )),
                    _ => None,
                }
            }
            Integration::WebServices => {
                if self.deployed
                    == (Deployed::Lambda {
                        function_url: false,
                    })
                {
                    return Some((
                        format!(
                            "{which}it is a web services action calling {found:?} over HTTPS, but the function serves direct invokes only ({PREFIX}LAMBDA=true and no inbound credential set): every call over HTTP is refused UNAUTHORIZED"
                        ),
                        format!(
                            "{} Or, to serve a function URL, set the inbound credential ({PREFIX}AUTH_USERNAME and {PREFIX}AUTH_PASSWORD_FROM; the stack's EnableFunctionUrl=true does) and run doctor with --url <the function URL>.",
                            import_lambda()
                        ),
                    ));
                }
                match (self.url, self.function_arn) {
                    (None, Some(arn)) => Some((
                        format!(
                            "{which}it is a web services action calling {found:?}, not an AWS Lambda data actions action invoking {arn:?} (--function-arn)"
                        ),
                        if self.deployed == Deployed::Server {
                            format!(
                                "This deployment is a server ({PREFIX}LAMBDA is not set), which a web services action calls: run doctor with --url instead of --function-arn; if the service runs in AWS Lambda, run doctor with the function's environment ({PREFIX}LAMBDA=true, as the stack sets it)."
                            )
                        } else {
                            format!(
                                "{} If the action is meant to call the function URL, run doctor with --url <the function URL> instead of --function-arn.",
                                import_lambda()
                            )
                        },
                    )),
                    (Some(url), _) if !same_url(found, &url.start) => Some((
                        format!("{which}its request URL is {found:?}, not {:?}", url.start),
                        format!(
                            "Set the action's request URL to {} (Setup > Configuration, or re-export with --url {} and import again) and publish it; if the action's URL is the right one, run doctor with that --url instead.",
                            url.start, url.base
                        ),
                    )),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy";

    fn target(deployed: Deployed, function_arn: Option<&str>) -> Target<'_> {
        Target {
            deployed,
            url: None,
            function_arn,
        }
    }

    #[test]
    fn an_action_is_told_apart_by_what_its_request_names() {
        assert_eq!(kind_of(ARN), Integration::AwsLambda);
        assert_eq!(
            kind_of(" arn:aws:iam::123456789012:role/x"),
            Integration::AwsLambda
        );
        assert_eq!(
            kind_of("https://abc.lambda-url.us-east-1.on.aws/v1/cobrowse/start"),
            Integration::WebServices
        );
        assert_eq!(kind_of(""), Integration::WebServices);
    }

    #[test]
    fn each_deployment_is_called_by_the_kinds_that_reach_it() {
        let server = target(Deployed::Server, None);
        let direct = target(
            Deployed::Lambda {
                function_url: false,
            },
            None,
        );
        let both = target(Deployed::Lambda { function_url: true }, None);
        assert!(server.fits(Integration::WebServices) && !server.fits(Integration::AwsLambda));
        assert!(direct.fits(Integration::AwsLambda) && !direct.fits(Integration::WebServices));
        assert!(both.fits(Integration::AwsLambda) && both.fits(Integration::WebServices));
        assert_eq!(server.wanted(), Integration::WebServices);
        assert_eq!(direct.wanted(), Integration::AwsLambda);
        assert_eq!(both.wanted(), Integration::AwsLambda);
    }

    #[test]
    fn the_export_line_names_the_function_given_else_the_one_found_when_it_is_one() {
        let given = target(
            Deployed::Lambda {
                function_url: false,
            },
            Some(ARN),
        );
        let other = "arn:aws:lambda:us-east-1:123456789012:function:other";
        assert!(
            given
                .export_command(Integration::AwsLambda, export::DEFAULT_NAME, Some(other))
                .contains(&format!("--function-arn {ARN} >"))
        );
        let none = target(
            Deployed::Lambda {
                function_url: false,
            },
            None,
        );
        let found = none.export_command(Integration::AwsLambda, "Cobrowse now", Some(other));
        assert!(
            found.contains(&format!("--function-arn {other} --name \"Cobrowse now\"")),
            "{found}"
        );
        let role = "arn:aws:iam::123456789012:role/x";
        assert!(
            none.export_command(Integration::AwsLambda, export::DEFAULT_NAME, Some(role))
                .contains("<the stack's FunctionArn>")
        );
    }
}
