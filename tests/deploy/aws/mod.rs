//! `deploy/aws/`: the SAM templates an AWS user deploys (zip and container image), the image's
//! Dockerfile and the build scripts. cfn-lint validates the templates (`lint.rs`); what it
//! cannot check in a SAM template, the IAM policies among them, is asserted here on the
//! templates as parsed (`template.rs`): who may assume which role and do what (`iam.rs`),
//! the function and its adapter against the service (`function.rs`), and the two ways it is
//! built (`build.rs`).

pub mod template;

mod build;
mod function;
mod iam;
mod lint;
