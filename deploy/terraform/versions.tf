terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source = "mypurecloud/genesyscloud"
      # Pinned to the release this module was written and checked against: its resource
      # documentation (auth_role, oauth_client, integration_credential, integration,
      # integration_action, flow, processautomation_trigger) is what main.tf relies on.
      # No .terraform.lock.hcl is committed yet (see README.md, "The provider lock file"),
      # so this exact version is what keeps every `terraform init` on the same provider.
      version = "1.84.1"
    }
  }
}

# No provider block: the genesyscloud provider reads its OAuth client and region from
# GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, so
# this directory works as a root module (terraform apply here) and as a child module.
