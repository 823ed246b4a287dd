terraform {
  required_version = ">= 1.5"

  required_providers {
    genesyscloud = {
      source  = "mypurecloud/genesyscloud"
      version = "~> 1.0"
    }
  }
}

# No provider block: the genesyscloud provider reads its OAuth client and region from
# GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, so
# this directory works as a root module (terraform apply here) and as a child module.
