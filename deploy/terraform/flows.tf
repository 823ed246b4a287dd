# Calling the action once an agent has answered: a trigger on the event Genesys raises when a
# user's (agent's) part of a conversation starts, for the chosen queue and media, runs the
# workflow in deploy/archy/, which calls the action with the conversation's id. The service
# then looks the conversation up and starts cobrowse for the agent who is connected, or
# answers AGENT_NOT_CONNECTED and starts nothing.
#
# The event fires for every agent whose part starts, a consulted or transferred-to agent's
# too. Those runs offer nothing new while the conversation shows a cobrowse session offered
# or under way: the service answers COBROWSE_ALREADY_ACTIVE and the workflow ends
# ALREADY_ACTIVE (deploy/archy/README.md, "Each user.start of one interaction").
#
# The sample inbound message flow only routes Messenger conversations to the queue: a flow
# that runs before routing has no agent to cobrowse with, so it does not call the action.
#
# The Archy files hold {{placeholders}} for every name that differs per org; `substitutions`
# fills them (the provider replaces the text before publishing), and
# tests/deploy/terraform/flows.rs fails when a placeholder has no substitution or the reverse.

data "genesyscloud_routing_queue" "cobrowse" {
  name = var.queue_name
}

resource "genesyscloud_flow" "start_cobrowse" {
  filepath = "${path.module}/../archy/start-cobrowse.workflow.yaml"

  substitutions = {
    flow_name     = var.workflow_name
    division_name = data.genesyscloud_auth_division_home.home.name
    # Read from the action, so the flow is published after it and calls it by its names.
    integration_name = genesyscloud_integration_action.start_cobrowse.category
    action_name      = genesyscloud_integration_action.start_cobrowse.name
    # The step outwaits the action, so the service's own UPSTREAM_TIMEOUT reply (and not
    # the step's Timeout path) reaches the workflow.
    call_timeout_seconds = tostring(genesyscloud_integration_action.start_cobrowse.config_timeout_seconds + 5)
  }

  # A contract change replaces the action (a new id): publish the workflow again, so it
  # calls the new action rather than the deleted one.
  update_trigger_hash = genesyscloud_integration_action.start_cobrowse.id
}

resource "genesyscloud_flow" "route_to_queue" {
  count    = var.create_message_flow ? 1 : 0
  filepath = "${path.module}/../archy/route-to-queue.inbound-message.yaml"

  substitutions = {
    flow_name     = var.message_flow_name
    division_name = data.genesyscloud_auth_division_home.home.name
    queue_name    = data.genesyscloud_routing_queue.cobrowse.name
  }
}

resource "genesyscloud_processautomation_trigger" "agent_answered" {
  name        = var.trigger_name
  description = "cobrowse-proxy: starts cobrowse on ${var.queue_name} interactions once an agent has answered."
  topic_name  = "v2.detail.events.conversation.{id}.user.start"
  enabled     = true

  target {
    id   = genesyscloud_flow.start_cobrowse.id
    type = "Workflow"
    # The event's top-level fields become the workflow's inputs of the same name
    # (Flow.conversationId).
    workflow_target_settings {
      data_format = "TopLevelPrimitives"
    }
  }

  match_criteria = jsonencode([
    {
      jsonPath = "queueId"
      operator = "Equal"
      value    = data.genesyscloud_routing_queue.cobrowse.id
    },
    {
      jsonPath = "mediaType"
      operator = "In"
      values   = var.media_types
    },
  ])

  # At once, but never for an event older than a minute; or after a delay.
  event_ttl_seconds = var.trigger_delay_seconds == null ? 60 : null
  delay_by_seconds  = var.trigger_delay_seconds
}
