terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source = "mypurecloud/genesyscloud"
      # The release deploy/terraform/ is pinned to and checked against (its versions.tf).
      version = "1.84.1"
    }
  }
}

# No provider block: the genesyscloud provider reads its OAuth client and region from
# GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, so
# this directory works as a root module and as a child module.
