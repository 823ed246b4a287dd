# Only function_arn and invoke_role_arn have no default: the SAM stack's FunctionArn and
# GenesysRoleArn outputs (deploy/aws/template.yaml).

variable "function_arn" {
  description = "The Lambda function Genesys invokes: the SAM stack's FunctionArn output, arn:aws:lambda:<region>:<account id>:function:<name> (optionally :<version or alias>). export-action --function-arn takes the same."
  type        = string

  validation {
    condition     = length(regexall("^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:(\\$LATEST|[A-Za-z0-9_-]{1,128}))?$", var.function_arn)) == 1
    error_message = "The function_arn must be a Lambda function's ARN, such as arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy (the stack's FunctionArn output); the role's ARN goes in invoke_role_arn."
  }
}

variable "invoke_role_arn" {
  description = "The role Genesys assumes to invoke the function: the SAM stack's GenesysRoleArn output. It trusts Genesys's AWS account with your org's id as external id."
  type        = string

  validation {
    condition     = length(regexall("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.invoke_role_arn)) == 1
    error_message = "The invoke_role_arn must be an IAM role's ARN, such as arn:aws:iam::123456789012:role/cobrowse-proxy-GenesysInvokeRole-AbCd (the stack's GenesysRoleArn output)."
  }
}

variable "credential_name" {
  description = "Name of the integration's credential (the role's ARN)."
  type        = string
  default     = "Cobrowse proxy Lambda role"
}

variable "integration_name" {
  description = "Name of the AWS Lambda data actions integration; Architect lists the action under it (the action's category)."
  type        = string
  default     = "Cobrowse proxy"
}

variable "action_name" {
  description = "Name of the data action, as flow designers see it in Architect."
  type        = string
  default     = "Start cobrowse"
}

variable "timeout_seconds" {
  description = "How long Genesys waits for the function: 1 to 60, what Genesys accepts (export-action --timeout-seconds). Keep it above the function's Timeout (15 s in the SAM template), itself above the service's COBROWSE_UPSTREAM_TIMEOUT_MS (10 s by default)."
  type        = number
  default     = 20

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 60 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "The timeout_seconds must be a whole number from 1 to 60, what Genesys accepts for an action."
  }
}

variable "secure" {
  description = "Mark the action secure (it accepts sensitive data; needed to call it from secure flows). Changing it replaces the action."
  type        = bool
  default     = false
}
