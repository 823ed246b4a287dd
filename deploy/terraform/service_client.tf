# The service's own OAuth client (Client Credentials grant), with a role holding exactly
# what the service calls: starting cobrowse on messaging and voice interactions, and reading
# the conversation to find the connected agent. Its id and secret are the service's
# COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET (outputs.tf).
#
# Genesys lets an OAuth client grant only roles it holds itself: Terraform's own client must
# hold this role before the service's client can be given it. README.md, "Steps", says how.

data "genesyscloud_auth_division_home" "home" {}

resource "genesyscloud_auth_role" "service" {
  name        = var.service_role_name
  description = "cobrowse-proxy: start cobrowse sessions (messaging and voice), find the agent connected to a conversation, and let doctor read the data action."

  # POST /api/v2/conversations/{conversationId}/cobrowse on web messaging interactions.
  permission_policies {
    domain      = "conversation"
    entity_name = "cobrowse"
    action_set  = ["add"]
  }

  # The same on voice interactions.
  permission_policies {
    domain      = "conversation"
    entity_name = "cobrowseVoice"
    action_set  = ["add"]
  }

  # GET /api/v2/conversations/{conversationId}: the connected agent when a flow leaves
  # agentId blank, and COBROWSE_VERIFY_AGENT.
  permission_policies {
    domain      = "conversation"
    entity_name = "communication"
    action_set  = ["view"]
  }

  # Read only, for `cobrowse-proxy doctor`: its data-action check compares the published
  # action with the running binary (GET /api/v2/integrations/actions), and is only a skip
  # without it. The service itself never reads actions.
  permission_policies {
    domain      = "integrations"
    entity_name = "action"
    action_set  = ["view"]
  }
}

locals {
  service_division_ids = length(var.service_division_ids) > 0 ? var.service_division_ids : [data.genesyscloud_auth_division_home.home.id]
}

resource "genesyscloud_oauth_client" "service" {
  name                          = var.service_client_name
  description                   = "cobrowse-proxy: the service's calls to the Genesys Cloud Platform API (COBROWSE_GENESYS_CLIENT_ID)."
  authorized_grant_type         = "CLIENT-CREDENTIALS"
  access_token_validity_seconds = var.service_token_lifetime_seconds
  # The secret is an output for the service's Kubernetes Secret; it is then also in the
  # Terraform state, like the inbound credential.
  expose_client_secret = true

  dynamic "roles" {
    for_each = toset(local.service_division_ids)
    content {
      role_id     = genesyscloud_auth_role.service.id
      division_id = roles.value
    }
  }
}
