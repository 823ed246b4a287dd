# Only service_url, queue_name and the inbound credential have no default. Names that end up
# in the flows (integration, action, queue, flow names) are substituted into Archy YAML
# between double quotes, so they may not contain a double quote, a backslash or braces.

variable "service_url" {
  description = "The service's public base URL as Genesys reaches it: https, host and optional port, no path (the action calls /v1/cobrowse/start on it). A trailing slash is dropped, as export-action --url drops it."
  type        = string

  validation {
    condition     = length(regexall("^https://[^/?#@\\s]+/?$", var.service_url)) == 1
    error_message = "The service_url must be the service's https base URL without path, query or credentials, such as https://cobrowse-proxy.example.com: Genesys calls data actions over HTTPS only, and the action always calls /v1/cobrowse/start on it."
  }

  # The hosts export-action refuses as well: Genesys calls from the internet, so a loopback,
  # private or link-local address, or a name only a local network resolves, never answers it.
  validation {
    condition     = length(regexall("(?i)^https://(localhost|[^/:?#]*\\.(localhost|local|internal|home\\.arpa)|[^/:?#.]+|127\\.[0-9.]+|10\\.[0-9.]+|192\\.168\\.[0-9.]+|172\\.(1[6-9]|2[0-9]|3[01])\\.[0-9.]+|169\\.254\\.[0-9.]+|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.[0-9.]+|0\\.0\\.0\\.0|\\[(::1?|f[cd][0-9a-f]*:[^\\]]*|fe[89ab][0-9a-f]*:[^\\]]*)\\])(:[0-9]+)?/?$", var.service_url)) == 0
    error_message = "The service_url must be a public name or address: Genesys calls data actions from the internet, so a loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10), link-local or IPv6 local address, localhost, or a .local/.internal/.home.arpa or one-word name never reaches the service."
  }
}

# --- The credential Genesys presents to the service --------------------------------------

variable "credential_type" {
  description = "How the integration authenticates to the service: \"basic\" (a Basic Auth credential; the service's COBROWSE_AUTH_USERNAME/_PASSWORD) or \"bearer\" (a User Defined credential with a field token, sent as Authorization: Bearer; the service's COBROWSE_AUTH_BEARER_TOKEN). The same choice as export-action --credential."
  type        = string
  default     = "basic"

  validation {
    condition     = contains(["basic", "bearer"], var.credential_type)
    error_message = "The credential_type must be \"basic\" or \"bearer\"."
  }
}

variable "basic_auth_username" {
  description = "With credential_type \"basic\": the service's COBROWSE_AUTH_USERNAME."
  type        = string
  sensitive   = true
  default     = null
}

variable "basic_auth_password" {
  description = "With credential_type \"basic\": the service's COBROWSE_AUTH_PASSWORD."
  type        = string
  sensitive   = true
  default     = null
}

variable "bearer_token" {
  description = "With credential_type \"bearer\": the service's COBROWSE_AUTH_BEARER_TOKEN."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.bearer_token == null ? true : length(regexall("^[!-~]+$", var.bearer_token)) == 1
    error_message = "The bearer_token must be printable ASCII without spaces: it is sent in an HTTP header."
  }
}

variable "client_certificate_authority" {
  description = "Mutual TLS (the service's COBROWSE_TLS_CLIENT_CA): the certificate authority of the client certificate the integration's data actions present, written to its properties as clientCertificateAuthority. \"Genesys Cloud\": the region's private CA, whose bundle Resource Center article 208665 gives per region. Null (the default) leaves the integration's setting as it is. DigiCert, the other choice, is set in the integration's configuration by hand (README.md, \"Mutual TLS\")."
  type        = string
  default     = null

  validation {
    condition     = var.client_certificate_authority == null ? true : var.client_certificate_authority == "Genesys Cloud"
    error_message = "The client_certificate_authority must be null (leave the integration's setting as it is) or \"Genesys Cloud\" (the region's private CA). The value Genesys stores for DigiCert is not confirmed: choose DigiCert in the integration's configuration instead (deploy/terraform/README.md, \"Mutual TLS\")."
  }
}

variable "credential_name" {
  description = "Name of the integration's credential."
  type        = string
  default     = "Cobrowse proxy credential"
}

# --- The integration and the action ------------------------------------------------------

variable "integration_name" {
  description = "Name of the Web Services Data Actions integration; Architect lists the action under it (the action's category)."
  type        = string
  default     = "Cobrowse proxy"

  validation {
    condition     = length(regexall("^[^\"\\\\{}]+$", var.integration_name)) == 1
    error_message = "The integration_name may not be empty or contain a double quote, a backslash or braces: it is substituted into the sample flow."
  }
}

variable "action_name" {
  description = "Name of the data action, as flow designers see it in Architect."
  type        = string
  default     = "Start cobrowse"

  validation {
    condition     = length(regexall("^[^\"\\\\{}]+$", var.action_name)) == 1
    error_message = "The action_name may not be empty or contain a double quote, a backslash or braces: it is substituted into the sample flow."
  }
}

variable "timeout_seconds" {
  description = "How long Genesys waits for the service: 1 to 55, where export-action --timeout-seconds takes 1 to 60, the range Genesys accepts for an action. The sample workflow's Call Data Action step waits 5 s longer than the action (so the service's own UPSTREAM_TIMEOUT reply, not the step's Timeout path, reaches the flow), and this module keeps that step within the same 60 s. Keep it above the service's COBROWSE_UPSTREAM_TIMEOUT_MS (10 s by default)."
  type        = number
  default     = 20

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 55 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "The timeout_seconds must be a whole number from 1 to 55: Genesys accepts 1 to 60 for an action, and the sample workflow waits 5 s longer than the action, at most the 60 s a Call Data Action step is given here."
  }
}

variable "secure" {
  description = "Mark the action secure (it accepts sensitive data; needed to call it from secure flows). Changing it replaces the action."
  type        = bool
  default     = false
}

# --- The service's own OAuth client ------------------------------------------------------

variable "service_role_name" {
  description = "Name of the role the service's OAuth client gets: conversation:cobrowse:add, conversation:cobrowseVoice:add, conversation:communication:view, and integrations:action:view and integrations:actionCertificate:view (for doctor)."
  type        = string
  default     = "Cobrowse proxy service"
}

variable "service_client_name" {
  description = "Name of the service's OAuth client (Client Credentials grant): COBROWSE_GENESYS_CLIENT_ID/_SECRET. The client of slot \"b\" (service_clients) has \" (b)\" after it."
  type        = string
  default     = "Cobrowse proxy service"
}

variable "service_clients" {
  description = "The service's OAuth clients by slot, \"a\" or \"b\": one, or two while rotating it (README.md, \"Rotating the service's OAuth client\"). The first is the service's COBROWSE_GENESYS_CLIENT_ID, the second its COBROWSE_GENESYS_CLIENT_ID_NEXT; a slot left out is deleted. [\"a\"] -> [\"a\", \"b\"] -> [\"b\"] rotates once, [\"b\", \"a\"] -> [\"a\"] the next time."
  type        = list(string)
  default     = ["a"]

  validation {
    condition     = length(var.service_clients) >= 1 && length(var.service_clients) <= 2 && alltrue([for slot in var.service_clients : contains(["a", "b"], slot)]) && length(distinct(var.service_clients)) == length(var.service_clients)
    error_message = "The service_clients must be one or two different slots of \"a\" and \"b\", such as [\"a\"] or [\"a\", \"b\"]: the service has one OAuth client, or two while rotating it."
  }
}

variable "service_division_ids" {
  description = "Divisions in which the service's role is granted: those of the queues whose interactions it starts cobrowse on. Empty (the default) means the home division; \"*\" means all divisions."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.service_division_ids : id == "*" || length(regexall("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id)) == 1])
    error_message = "Each service_division_ids entry must be a division id (a UUID) or \"*\" for all divisions."
  }
}

variable "service_token_lifetime_seconds" {
  description = "Lifetime of the service's access tokens (300 to 172800 s; the service renews a token before it expires and takes none as longer than 48 hours)."
  type        = number
  default     = 86400

  validation {
    condition     = var.service_token_lifetime_seconds >= 300 && var.service_token_lifetime_seconds <= 172800
    error_message = "The service_token_lifetime_seconds must be from 300 (5 minutes) to 172800 (48 hours), the range Genesys accepts for a Client Credentials client."
  }
}

# --- The flows and the trigger that starts cobrowse -------------------------------------

variable "queue_name" {
  description = "The queue whose interactions get a cobrowse offer once an agent answers; the sample message flow routes to it. It must exist."
  type        = string

  validation {
    condition     = length(regexall("^[^\"\\\\{}]+$", var.queue_name)) == 1
    error_message = "The queue_name may not be empty or contain a double quote, a backslash or braces: it is substituted into the sample flow."
  }
}

variable "media_types" {
  description = "Which interactions on the queue start cobrowse when an agent answers: \"MESSAGE\" (web messaging; needs conversation:cobrowse:add) and/or \"VOICE\" (needs conversation:cobrowseVoice:add)."
  type        = list(string)
  default     = ["MESSAGE", "VOICE"]

  validation {
    condition     = length(var.media_types) > 0 && alltrue([for media in var.media_types : contains(["MESSAGE", "VOICE"], media)])
    error_message = "The media_types must be a non-empty list of \"MESSAGE\" and \"VOICE\": co-browse for Messenger covers web messaging and voice only."
  }
}

variable "trigger_delay_seconds" {
  description = "Start cobrowse this many seconds (60 to 900) after the agent's part of the conversation starts, instead of at once. Null (the default): at once, for events at most 60 s old."
  type        = number
  default     = null

  validation {
    condition     = var.trigger_delay_seconds == null ? true : var.trigger_delay_seconds >= 60 && var.trigger_delay_seconds <= 900
    error_message = "The trigger_delay_seconds must be null or from 60 to 900: the range Genesys accepts for a trigger's delay."
  }
}

variable "workflow_name" {
  description = "Name of the workflow that calls the action once an agent has answered."
  type        = string
  default     = "Cobrowse proxy: start on answer"

  validation {
    condition     = length(regexall("^[^\"\\\\{}]+$", var.workflow_name)) == 1
    error_message = "The workflow_name may not be empty or contain a double quote, a backslash or braces: it is substituted into the flow."
  }
}

variable "create_message_flow" {
  description = "Also publish the sample inbound message flow, which routes a Messenger conversation to queue_name. Leave false when your Messenger deployment already routes to a flow of yours."
  type        = bool
  default     = true
}

variable "message_flow_name" {
  description = "Name of the sample inbound message flow."
  type        = string
  default     = "Cobrowse proxy: route to queue"

  validation {
    condition     = length(regexall("^[^\"\\\\{}]+$", var.message_flow_name)) == 1
    error_message = "The message_flow_name may not be empty or contain a double quote, a backslash or braces: it is substituted into the flow."
  }
}

variable "trigger_name" {
  description = "Name of the trigger that starts the workflow."
  type        = string
  default     = "Cobrowse proxy: agent answered"
}
