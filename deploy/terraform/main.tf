# cobrowse-proxy as a Genesys Cloud Web Services Data Actions integration: the credential
# Genesys presents to the service, the integration that sends it, and the one action flows
# call. service_client.tf creates the service's own OAuth client; flows.tf the flows and the
# trigger that call the action once an agent has answered.
#
# The action is what `cobrowse-proxy export-action --credential <credential_type>` prints
# (deploy/genesys/ holds the basic one), field for field; tests/deploy/terraform/action.rs
# fails when the two differ. The templates are Velocity, which Genesys renders: HCL would
# read a bare "${" as its own interpolation, so every literal "${" is written "$${".

locals {
  # The two credential types the service accepts. Basic Auth: Genesys sends the
  # Authorization header by itself. User Defined: Genesys sends a field only where the
  # action's request writes ${credentials.<field>}, so the action adds the header.
  credentials = {
    basic = {
      type    = "basicAuth"
      fields  = { userName = var.basic_auth_username, password = var.basic_auth_password }
      headers = {}
    }
    bearer = {
      type    = "userDefined"
      fields  = { token = var.bearer_token }
      headers = { Authorization = "Bearer $${credentials.token}" }
    }
  }
  credential = local.credentials[var.credential_type]
}

resource "genesyscloud_integration_credential" "inbound" {
  name                 = var.credential_name
  credential_type_name = local.credential.type
  fields               = local.credential.fields

  lifecycle {
    precondition {
      condition     = var.credential_type == "bearer" ? var.bearer_token != null : var.basic_auth_username != null && var.basic_auth_password != null
      error_message = "The credential is incomplete: credential_type \"basic\" needs basic_auth_username and basic_auth_password (the service's COBROWSE_AUTH_USERNAME and COBROWSE_AUTH_PASSWORD), \"bearer\" needs bearer_token (its COBROWSE_AUTH_BEARER_TOKEN). Set them with TF_VAR_... so they are not written to a file."
    }
  }
}

# This module called the credential basic_auth before it could be a bearer token.
moved {
  from = genesyscloud_integration_credential.basic_auth
  to   = genesyscloud_integration_credential.inbound
}

resource "genesyscloud_integration" "cobrowse_proxy" {
  integration_type = "custom-rest-actions"
  intended_state   = "ENABLED"

  config {
    name = var.integration_name
    # "basicAuth" is the integration type's name for its one credential slot, whatever the
    # credential's own type (Basic Auth or User Defined).
    credentials = {
      basicAuth = genesyscloud_integration_credential.inbound.id
    }
    # Mutual TLS: which CA issues the client certificate the data actions present. Null
    # leaves the integration's properties as Genesys has them: the provider writes only a
    # properties object it is given, merged into the one it reads.
    properties = var.client_certificate_authority == null ? null : jsonencode({
      clientCertificateAuthority = var.client_certificate_authority
    })
  }
}

resource "genesyscloud_integration_action" "start_cobrowse" {
  name                   = var.action_name
  category               = var.integration_name
  integration_id         = genesyscloud_integration.cobrowse_proxy.id
  secure                 = var.secure
  config_timeout_seconds = var.timeout_seconds

  # The contract is the service's own: the files it embeds and enforces. Genesys cannot
  # change a published contract, so a schema change replaces the action (a new id).
  contract_input  = file("${path.module}/../../schemas/start-cobrowse.input.json")
  contract_output = file("${path.module}/../../schemas/start-cobrowse.output.json")

  config_request {
    # Without the trailing slash service_url may have, as export-action drops it.
    request_url_template = "${trimsuffix(var.service_url, "/")}/v1/cobrowse/start"
    request_type         = "POST"
    # Every flow input as one JSON object: nothing hand-built, so nothing to escape.
    request_template = "$${input.rawRequest}"
    headers = merge(
      {
        "Content-Type" = "application/json"
        "Accept"       = "application/json"
      },
      local.credential.headers,
    )
  }

  config_response {
    translation_map          = {}
    translation_map_defaults = {}
    # The service's flat reply, as it is: every field maps to one flow variable.
    success_template = "$${rawResult}"
  }
}
