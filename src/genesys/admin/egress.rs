//! What Genesys publishes about how its data actions reach a service, for doctor: the client
//! certificates they present over mutual TLS (`GET /api/v2/integrations/actions/certificates`,
//! permission `integrations:actionCertificate:view`) and the addresses they call from
//! (`GET /api/v2/ipranges`). The shapes are the published SDK's `ActionCertificateListing`,
//! `ActionCertificate`, `IpAddressRangeListing` and `IpAddressRange`, read leniently as the
//! rest of `admin` is: every field optional, unknown ones ignored.

use serde::Deserialize;

use super::{Admin, json_of};
use crate::genesys::error::{GenesysError, Operation};

/// `ActionCertificateListing`: Genesys answers every certificate on one page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionCertificateListing {
    entities: Option<Vec<ActionCertificate>>,
}

/// `ActionCertificate`: one client certificate the org's data actions present.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionCertificate {
    /// `DigiCert` or `Genesys` (the region's private CA).
    pub signing_authority: Option<String>,
    /// "The certificate string": PEM (docs/security.md says what doctor assumes of it).
    pub certificate: Option<String>,
    /// `Current` or `Upcoming`.
    pub status: Option<String>,
    /// `Client`, the only type the SDK knows.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `IpAddressRangeListing`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IpAddressRangeListing {
    entities: Option<Vec<IpAddressRange>>,
}

/// `IpAddressRange`: a range of Genesys's public addresses, the service that uses it and its
/// direction as seen from Genesys (`outbound`: Genesys calls out from it).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IpAddressRange {
    pub cidr: Option<String>,
    /// `data-actions` for the data actions' calls, among `api`, `smtp`, ...
    pub service: Option<String>,
    pub region: Option<String>,
    /// `inbound`, `outbound` or `both`.
    pub direction: Option<String>,
}

impl Admin {
    /// `GET /api/v2/integrations/actions/certificates`: every status and type, current and
    /// upcoming, so that a rotation shows.
    pub async fn action_certificates(&self) -> Result<Vec<ActionCertificate>, GenesysError> {
        let url = self.api_url(&["integrations", "actions", "certificates"], &[]);
        let reply = self.get(Operation::ListActionCertificates, url).await?;
        let listing: ActionCertificateListing = json_of(Operation::ListActionCertificates, &reply)?;
        Ok(listing.entities.unwrap_or_default())
    }

    /// `GET /api/v2/ipranges`: every range of every service and region.
    pub async fn ip_ranges(&self) -> Result<Vec<IpAddressRange>, GenesysError> {
        let url = self.api_url(&["ipranges"], &[]);
        let reply = self.get(Operation::ListIpRanges, url).await?;
        let listing: IpAddressRangeListing = json_of(Operation::ListIpRanges, &reply)?;
        Ok(listing.entities.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_models_are_read_by_their_json_names() {
        let listing: ActionCertificateListing = serde_json::from_str(
            r#"{"entities":[{"signingAuthority":"Genesys","certificate":"-----BEGIN CERTIFICATE-----","status":"Upcoming","type":"Client"}],"pageSize":25,"total":1}"#,
        )
        .unwrap();
        let certificate = &listing.entities.unwrap()[0];
        assert_eq!(certificate.signing_authority.as_deref(), Some("Genesys"));
        assert_eq!(certificate.status.as_deref(), Some("Upcoming"));
        assert_eq!(certificate.kind.as_deref(), Some("Client"));
        let ranges: IpAddressRangeListing = serde_json::from_str(
            r#"{"entities":[{"cidr":"192.0.2.0/28","service":"data-actions","region":"eu-west-1","direction":"outbound"}]}"#,
        )
        .unwrap();
        let range = &ranges.entities.unwrap()[0];
        assert_eq!(range.cidr.as_deref(), Some("192.0.2.0/28"));
        assert_eq!(range.service.as_deref(), Some("data-actions"));
    }
}
