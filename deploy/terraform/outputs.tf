# For the service (its Kubernetes Secret: README.md, "Steps", step 5, and
# docs/registering.md, step 2):
#   terraform output -raw service_client_id       # COBROWSE_GENESYS_CLIENT_ID
#   terraform output -raw service_client_secret   # COBROWSE_GENESYS_CLIENT_SECRET
# and during a rotation (README.md, "Rotating the service's OAuth client"):
#   terraform output -raw service_client_next_id       # COBROWSE_GENESYS_CLIENT_ID_NEXT
#   terraform output -raw service_client_next_secret   # COBROWSE_GENESYS_CLIENT_SECRET_NEXT

output "service_client_id" {
  description = "The service's OAuth client id (the first of service_clients): its COBROWSE_GENESYS_CLIENT_ID."
  value       = local.service_client.id
  sensitive   = true
}

output "service_client_secret" {
  description = "The service's OAuth client secret (the first of service_clients): its COBROWSE_GENESYS_CLIENT_SECRET."
  value       = local.service_client.client_secret
  sensitive   = true
}

output "service_client_next_id" {
  description = "During a rotation, the new OAuth client's id (the second of service_clients): the service's COBROWSE_GENESYS_CLIENT_ID_NEXT. Null otherwise."
  value       = local.service_client_next == null ? null : local.service_client_next.id
  sensitive   = true
}

output "service_client_next_secret" {
  description = "During a rotation, the new OAuth client's secret: the service's COBROWSE_GENESYS_CLIENT_SECRET_NEXT. Null otherwise."
  value       = local.service_client_next == null ? null : local.service_client_next.client_secret
  sensitive   = true
}

output "service_role_id" {
  description = "Id of the role the service's OAuth client holds; Terraform's own OAuth client must hold it too before it can grant it."
  value       = genesyscloud_auth_role.service.id
}

output "credential_type" {
  description = "The integration's credential type: basic (the service's COBROWSE_AUTH_USERNAME/_PASSWORD) or bearer (its COBROWSE_AUTH_BEARER_TOKEN)."
  value       = var.credential_type
}

output "credential_id" {
  description = "Id of the integration's credential."
  value       = genesyscloud_integration_credential.inbound.id
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

output "workflow_id" {
  description = "Id of the workflow that calls the action once an agent has answered."
  value       = genesyscloud_flow.start_cobrowse.id
}

output "message_flow_id" {
  description = "Id of the sample inbound message flow to route the Messenger deployment to (null when create_message_flow is false)."
  value       = one(genesyscloud_flow.route_to_queue[*].id)
}

output "trigger_id" {
  description = "Id of the trigger that runs the workflow."
  value       = genesyscloud_processautomation_trigger.agent_answered.id
}
