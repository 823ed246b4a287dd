output "integration_id" {
  description = "The AWS Lambda data actions integration's id."
  value       = genesyscloud_integration.cobrowse_proxy.id
}

output "action_id" {
  description = "The data action's id: the one a flow's Call Data Action step names."
  value       = genesyscloud_integration_action.start_cobrowse.id
}
