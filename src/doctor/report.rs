//! What doctor prints: each check with its verdict, and the report of every check, as lines
//! of text or as one JSON array (`--format`). The other files of `doctor` make the checks, and
//! `run` puts them in order.

use std::fmt;

use serde::Serialize;

use crate::telemetry::one_line;

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

/// One check: the org it is about (with an orgs file; `None` for the one org of the
/// environment and for checks of the whole deployment), its name, verdict, what was checked
/// and found, and what to do (`""` when nothing; on an `ok`, a note).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    pub todo: String,
}

impl Check {
    pub(super) fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Check {
            org: None,
            check,
            status: Status::Ok,
            detail: detail.into(),
            todo: String::new(),
        }
    }

    pub(super) fn fail(
        check: &'static str,
        detail: impl Into<String>,
        todo: impl Into<String>,
    ) -> Self {
        Check {
            org: None,
            check,
            status: Status::Fail,
            detail: detail.into(),
            todo: todo.into(),
        }
    }

    pub(super) fn skip(
        check: &'static str,
        detail: impl Into<String>,
        todo: impl Into<String>,
    ) -> Self {
        Check {
            org: None,
            check,
            status: Status::Skip,
            detail: detail.into(),
            todo: todo.into(),
        }
    }

    pub(super) fn with_note(mut self, note: impl Into<String>) -> Self {
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

    /// The report as printed: a line per check, or one JSON array; ends with a newline. In
    /// text, each line is escaped as log lines are: whatever Genesys or the service answered
    /// (an org's name, an error message), one check is one line. An org of an orgs file is a
    /// block: its table's name (`[orgs.acme]`) on a line, then its checks, indented.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => {
                let mut text = String::new();
                let mut block: Option<&str> = None;
                for check in &self.checks {
                    let org = check.org.as_deref();
                    if let Some(name) = org.filter(|_| org != block) {
                        text.push_str(&format!("[orgs.{name}]\n"));
                    }
                    block = org;
                    let indent = if org.is_some() { "  " } else { "" };
                    text.push_str(&format!("{indent}{}\n", one_line(&check.to_string())));
                }
                text
            }
            Format::Json => {
                let mut text =
                    serde_json::to_string_pretty(&self.checks).expect("checks serialize");
                text.push('\n');
                text
            }
        }
    }
}
