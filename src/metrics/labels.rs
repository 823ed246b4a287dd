//! The label sets of the service's metrics. Every label value is a `'static` name (an org's
//! from the orgs file, or one of a fixed few), so recording a call allocates nothing and the
//! number of series stays bounded.

use prometheus_client::encoding::{
    EncodeLabel, EncodeLabelSet, EncodeLabelValue, LabelSetEncoder, LabelValueEncoder,
};

/// `org="acme"` for an org of `COBROWSE_ORGS_FILE`; no label at all for a single org, whose
/// series stay as they always were. Names come from the file, so the label is bounded.
#[derive(Clone, Copy, Debug, Default, Hash, PartialEq, Eq)]
pub struct OrgLabel(pub Option<&'static str>);

impl EncodeLabelSet for OrgLabel {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        match self.0 {
            Some(org) => ("org", org).encode(encoder.encode_label()),
            None => Ok(()),
        }
    }
}

/// `reason="expired"`: why a client certificate was refused (mutual TLS).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClientCertificateLabels {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    #[prometheus(flatten)]
    pub org: OrgLabel,
    /// `started`, `failed`, or `already_active` (no start: the conversation has a session).
    pub outcome: CallOutcome,
    /// The flat reply's `errorCode`, `""` on success.
    pub error_code: &'static str,
}

/// What became of a call, as `calls_total` counts it and its log line names it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum CallOutcome {
    /// A session was started, or one started earlier handed out again.
    Started,
    /// The call failed; its reply carries the `ErrorCode`.
    Failed,
    /// Nothing was started because the conversation already has a session: not a failure.
    AlreadyActive,
}

impl CallOutcome {
    /// The name in the `outcome` label and log field. Alerts, dashboards and log queries match
    /// these names: never rename one.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Started => "started",
            CallOutcome::Failed => "failed",
            CallOutcome::AlreadyActive => "already_active",
        }
    }
}

impl EncodeLabelValue for CallOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        self.as_str().encode(encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestBodyLabels {
    #[prometheus(flatten)]
    pub org: OrgLabel,
    /// `agent-payload` or `empty`.
    pub mode: &'static str,
}

/// Which of an org's OAuth clients its token comes from: the one it names first, or the
/// second one of a rotation (`COBROWSE_GENESYS_CLIENT_ID_NEXT`, `client_id_next`).
#[derive(Clone, Copy, Debug, Default, Hash, PartialEq, Eq)]
pub enum OAuthClientInUse {
    #[default]
    First,
    Second,
}

impl OAuthClientInUse {
    /// The name in the `client` label and in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthClientInUse::First => "first",
            OAuthClientInUse::Second => "second",
        }
    }
}

impl EncodeLabelValue for OAuthClientInUse {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        self.as_str().encode(encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OAuthClientLabels {
    #[prometheus(flatten)]
    pub org: OrgLabel,
    /// `first` or `second`.
    pub client: OAuthClientInUse,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// `token`, `conversation` or `cobrowse`.
    pub operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct VersionLabels {
    pub(super) version: &'static str,
}
