//! Who a start is from, and so which org it is for: a call over HTTP by its credential (and,
//! with mutual TLS, its certificate), a direct invoke of the Lambda function the
//! deployment's one org.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::HttpRequest;
use rustls::pki_types::CertificateDer;

use super::AppState;
use crate::inbound_auth::Refusal;
use crate::metrics::OrgLabel;
use crate::orgs::Org;
use crate::outcome::{ErrorCode, Failure};
use crate::tls::client_auth::{self, Refusal as CertRefusal};
use crate::tls::forwarded::ClientCertificates;

/// How a start reached the service, which decides how its org is found and how a failure
/// is answered.
pub(super) enum Caller {
    /// A data action over HTTP: its credential (and, with mutual TLS, its certificate) finds
    /// its org; a failure is answered as `COBROWSE_ERROR_MODE` says.
    Http,
    /// A direct invoke of the Lambda function (`lambda.rs` checked that it is one): IAM
    /// decided who may invoke it, so no credential; the deployment's one org; every answer
    /// 200, since the adapter hands Genesys the body alone and only a function error would
    /// take the Failure path.
    DirectInvoke,
    /// Refused before its body is read (`lambda.rs`: not a direct invoke), answered as a
    /// call over HTTP.
    Refused(Failure),
}

impl Caller {
    /// The call's org, its name in `org_label` as soon as it is known; or why it is refused.
    pub(super) fn org(
        self,
        request: &HttpRequest,
        state: &AppState,
        org_label: &mut OrgLabel,
    ) -> Result<Arc<Org>, Failure> {
        match self {
            Caller::Http => org_of_call(request, state, org_label),
            Caller::DirectInvoke => state.orgs.only().ok_or_else(|| {
                Failure::local(
                    ErrorCode::Unauthorized,
                    "A direct invoke is for the deployment's one org, and this one serves several: deploy one function per org.",
                )
            }),
            Caller::Refused(failure) => Err(failure),
        }
    }
}

/// The org of a call over HTTP: its credential's, and with mutual TLS only when its
/// certificate names that org's data actions.
fn org_of_call(
    request: &HttpRequest,
    state: &AppState,
    org_label: &mut OrgLabel,
) -> Result<Arc<Org>, Failure> {
    let unauthorized = |refusal: Refusal| {
        Failure::local(
            ErrorCode::Unauthorized,
            format!("{} {}", refusal.describe(), state.orgs.credential_hint()),
        )
    };
    // With mutual TLS, a call without a certificate is refused before its credential is
    // looked at, and one whose certificate is not its org's as a wrong credential is: the
    // reply never tells a caller that the credential it tried was right.
    let certificate = state
        .client_certificates
        .as_ref()
        .map(|certificates| client_certificate(request, certificates, state))
        .transpose()
        .map_err(|()| unauthorized(Refusal::Wrong))?;
    // The org is the credential's, and stays this call's whatever a reload does meanwhile.
    let org = state.orgs.authenticate(request).map_err(unauthorized)?;
    *org_label = OrgLabel(org.name);
    if let Some(certificate) = certificate {
        certificate_names_org(&certificate, &org, state)
            .map_err(|()| unauthorized(Refusal::Wrong))?;
    }
    Ok(org)
}

/// The certificate the connection's handshake accepted, or a trusted proxy passed (mutual
/// TLS); none, or a certificate header from any other peer, is refused.
fn client_certificate<'a>(
    request: &'a HttpRequest,
    certificates: &ClientCertificates,
    state: &AppState,
) -> Result<Cow<'a, CertificateDer<'static>>, ()> {
    certificates.of_call(request).map_err(|refused| {
        let refusals = &state.metrics.client_certificate_refusals;
        let (certificate, detail) = (refused.certificate.as_ref(), refused.detail.as_deref());
        client_auth::refuse(refusals, refused.refusal, certificate, None, detail);
    })
}

/// Whether the certificate names the data actions of the org the credential is for.
fn certificate_names_org(
    certificate: &CertificateDer<'_>,
    org: &Org,
    state: &AppState,
) -> Result<(), ()> {
    // An org without a name to expect (given by URLs, added by a reload) takes none.
    let checked = match &org.tls_client_name {
        Some(expected) => client_auth::check_name(certificate, expected),
        None => Err((
            CertRefusal::WrongName,
            "the org has no name to expect: set tls_client_name in its table".to_owned(),
        )),
    };
    checked.map_err(|(refusal, detail)| {
        let refusals = &state.metrics.client_certificate_refusals;
        client_auth::refuse(
            refusals,
            refusal,
            Some(certificate),
            org.name,
            Some(&detail),
        );
    })
}
