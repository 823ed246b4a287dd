variable "service_url" {
  description = "The service's public base URL as Genesys reaches it: https, host and optional port, no path (the action calls /v1/cobrowse/start on it)."
  type        = string

  validation {
    condition     = can(regex("^https://[^/?#@\\s]+$", var.service_url))
    error_message = "The service_url must be the service's https base URL without path, query, credentials or trailing slash, such as https://cobrowse-proxy.example.com: Genesys calls data actions over HTTPS only."
  }
}

variable "integration_name" {
  description = "Name of the Web Services Data Actions integration; Architect lists the action under it (the action's category)."
  type        = string
  default     = "Cobrowse proxy"
}

variable "action_name" {
  description = "Name of the data action, as flow designers see it in Architect."
  type        = string
  default     = "Start cobrowse"
}

variable "credential_name" {
  description = "Name of the Basic Auth credential the integration sends."
  type        = string
  default     = "Cobrowse proxy credential"
}

variable "basic_auth_username" {
  description = "The service's COBROWSE_AUTH_USERNAME."
  type        = string
  sensitive   = true
}

variable "basic_auth_password" {
  description = "The service's COBROWSE_AUTH_PASSWORD."
  type        = string
  sensitive   = true
}

variable "timeout_seconds" {
  description = "How long Genesys waits for the service (1 to 60). Keep it above the service's COBROWSE_UPSTREAM_TIMEOUT_MS (10 s by default), so the service's own UPSTREAM_TIMEOUT reply reaches the flow."
  type        = number
  default     = 20

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 60
    error_message = "The timeout_seconds must be from 1 to 60: Genesys accepts no other data action timeout."
  }
}

variable "secure" {
  description = "Mark the action secure (it accepts sensitive data; needed to call it from secure flows). Changing it replaces the action."
  type        = bool
  default     = false
}
