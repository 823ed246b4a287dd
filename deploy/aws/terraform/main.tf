# The Genesys side of cobrowse-proxy on AWS Lambda (docs/lambda.md): Genesys's AWS Lambda
# data actions integration, whose credential is the role Genesys assumes in your AWS account
# (the SAM stack's GenesysRoleArn output), and the one action flows call, which invokes the
# function (its FunctionArn output). The same resources as GenesysCloudDevOps's
# integration-lambda-module and data-action-lambda-module, with the service's contract.
#
# The action is what `cobrowse-proxy export-action --integration aws-lambda --function-arn
# <function_arn>` prints, field for field; tests/deploy/terraform/lambda.rs fails when the
# two differ. Velocity's "${" is written "$${" so that HCL leaves it alone.

resource "genesyscloud_integration_credential" "invoke_role" {
  name = var.credential_name
  # The only credential the integration takes: no secret, only the role to assume.
  credential_type_name = "amazonWebServicesARN"
  fields = {
    ARN = var.invoke_role_arn
  }
}

resource "genesyscloud_integration" "cobrowse_proxy" {
  integration_type = "aws-lambda-data-actions"
  intended_state   = "ENABLED"

  config {
    name       = var.integration_name
    properties = jsonencode({})
    advanced   = jsonencode({})
    # The integration type's name for its credential slot (capitalised, unlike the
    # credential type's).
    credentials = {
      AmazonWebServicesARN = genesyscloud_integration_credential.invoke_role.id
    }
    notes = "Invokes cobrowse-proxy on AWS Lambda"
  }
}

resource "genesyscloud_integration_action" "start_cobrowse" {
  name                   = var.action_name
  category               = var.integration_name
  integration_id         = genesyscloud_integration.cobrowse_proxy.id
  secure                 = var.secure
  config_timeout_seconds = var.timeout_seconds

  # The service's own contract: the files it embeds and enforces.
  contract_input  = file("${path.module}/../../../schemas/start-cobrowse.input.json")
  contract_output = file("${path.module}/../../../schemas/start-cobrowse.output.json")

  config_request {
    # The function is the target: Genesys invokes it with the rendered template as the event.
    request_url_template = var.function_arn
    request_type         = "POST"
    # Every flow input as one JSON object: the body POST /v1/cobrowse/start takes.
    request_template = "$${input.rawRequest}"
    # None: IAM, through the role, authorizes the invocation.
    headers = {}
  }

  config_response {
    translation_map          = {}
    translation_map_defaults = {}
    # The function's return value is the service's flat reply.
    success_template = "$${rawResult}"
  }
}
