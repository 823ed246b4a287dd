output "credential_id" {
  description = "Id of the Basic Auth credential."
  value       = genesyscloud_integration_credential.basic_auth.id
}

output "integration_id" {
  description = "Id of the Web Services Data Actions integration."
  value       = genesyscloud_integration.cobrowse_proxy.id
}

output "action_id" {
  description = "Id of the Start cobrowse data action."
  value       = genesyscloud_integration_action.start_cobrowse.id
}

output "action_category" {
  description = "Where Architect lists the action (the integration's name): the category key in an Archy callData action."
  value       = genesyscloud_integration_action.start_cobrowse.category
}

output "action_name" {
  description = "The action's name: the dataAction key in an Archy callData action."
  value       = genesyscloud_integration_action.start_cobrowse.name
}
