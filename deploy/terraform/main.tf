# cobrowse-proxy as a Genesys Cloud Web Services Data Actions integration: a Basic Auth
# credential, the integration that sends it, and the one action flows call.
#
# The action is what `cobrowse-proxy export-action` prints (deploy/genesys/), field for field;
# tests/deploy/terraform.rs fails when the two differ. The templates are Velocity, which
# Genesys renders: HCL would read a bare "${" as its own interpolation, so every literal "${"
# is written "$${".

resource "genesyscloud_integration_credential" "basic_auth" {
  name                 = var.credential_name
  credential_type_name = "basicAuth"
  fields = {
    userName = var.basic_auth_username
    password = var.basic_auth_password
  }
}

resource "genesyscloud_integration" "cobrowse_proxy" {
  integration_type = "custom-rest-actions"
  intended_state   = "ENABLED"

  config {
    name = var.integration_name
    credentials = {
      basicAuth = genesyscloud_integration_credential.basic_auth.id
    }
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
    request_url_template = "${var.service_url}/v1/cobrowse/start"
    request_type         = "POST"
    # Every flow input as one JSON object: nothing hand-built, so nothing to escape.
    request_template = "$${input.rawRequest}"
    headers = {
      "Content-Type" = "application/json"
      "Accept"       = "application/json"
    }
  }

  config_response {
    translation_map          = {}
    translation_map_defaults = {}
    # The service's flat reply, as it is: every field maps to one flow variable.
    success_template = "$${rawResult}"
  }
}
