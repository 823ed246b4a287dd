# The service's own OAuth client (Client Credentials grant), with a role holding exactly
# what the service and its doctor call: starting cobrowse on messaging and voice
# interactions, reading the conversation to find the connected agent, and viewing the
# published data action and the data actions' client certificates (doctor's data-action and
# client-certificates checks). Its id and secret are the service's
# COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET (outputs.tf).
#
# Rotating it without a failed call takes two clients for a while, in two slots, "a" and
# "b" (var.service_clients, README.md "Rotating the service's OAuth client"): the new one is
# created in the free slot, handed to the service as COBROWSE_GENESYS_CLIENT_ID_NEXT/_SECRET_NEXT,
# and the old one deleted by leaving its slot out; the service then goes on with the new one.
#
# Genesys lets an OAuth client grant only roles it holds itself: Terraform's own client must
# hold this role before the service's client can be given it. README.md, "Steps", says how.

data "genesyscloud_auth_division_home" "home" {}

resource "genesyscloud_auth_role" "service" {
  name        = var.service_role_name
  description = "cobrowse-proxy: start cobrowse sessions (messaging and voice), find the agent connected to a conversation, and let doctor read the data action and the data actions' client certificates."

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

  # Read only, for doctor's client-certificates check: the data actions' client certificates
  # (GET /api/v2/integrations/actions/certificates), checked against COBROWSE_TLS_CLIENT_CA;
  # only a skip without it. The service itself never reads them.
  permission_policies {
    domain      = "integrations"
    entity_name = "actionCertificate"
    action_set  = ["view"]
  }
}

locals {
  service_division_ids = length(var.service_division_ids) > 0 ? var.service_division_ids : [data.genesyscloud_auth_division_home.home.id]
}

# Slot "a": the service's client from the first apply. Adding `count` to it kept its state:
# Terraform takes an object without an index as the instance [0].
resource "genesyscloud_oauth_client" "service" {
  count                         = contains(var.service_clients, "a") ? 1 : 0
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

# Slot "b": the same client, for the other side of a rotation.
resource "genesyscloud_oauth_client" "service_b" {
  count                         = contains(var.service_clients, "b") ? 1 : 0
  name                          = "${var.service_client_name} (b)"
  description                   = "cobrowse-proxy: the service's calls to the Genesys Cloud Platform API (COBROWSE_GENESYS_CLIENT_ID), the second slot of a rotation."
  authorized_grant_type         = "CLIENT-CREDENTIALS"
  access_token_validity_seconds = var.service_token_lifetime_seconds
  expose_client_secret          = true

  dynamic "roles" {
    for_each = toset(local.service_division_ids)
    content {
      role_id     = genesyscloud_auth_role.service.id
      division_id = roles.value
    }
  }
}

locals {
  # Each slot's client; null for a slot left out.
  service_clients = {
    a = one(genesyscloud_oauth_client.service[*])
    b = one(genesyscloud_oauth_client.service_b[*])
  }
  # The client of COBROWSE_GENESYS_CLIENT_ID, and that of _NEXT during a rotation (or null).
  service_client      = local.service_clients[var.service_clients[0]]
  service_client_next = length(var.service_clients) > 1 ? local.service_clients[var.service_clients[1]] : null
}
