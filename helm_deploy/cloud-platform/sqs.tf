# For the cloud-platform-environments repository: namespaces/live.cloud-platform.service.justice.gov.uk/
# <namespace>/resources/, one copy per environment (dev, preprod, prod). The service's queue and DLQ, its
# subscription to the HMPPS domain events topic, and the Kubernetes secret the Helm chart reads the queue name from.
# Variables (namespace, environment, team_name, business_unit, application, is_production, infrastructure_support)
# are the namespace's own, with team_name = "probation-integration": the SQS module names the queues
# <team_name>-<environment>-<sqs_name>, the names the alerts in helm_deploy/values-<env>.yaml watch.
# hmpps_domain_events_topic_arn is the HMPPS domain events topic's ARN in that environment.

module "refer_and_monitor_and_delius_queue" {
  source                 = "github.com/ministryofjustice/cloud-platform-terraform-sqs?ref=5.1.2"
  sqs_name                  = "refer-and-monitor-and-delius-queue"
  encrypt_sqs_kms           = "true"
  message_retention_seconds = 1209600
  # Three deliveries in all, then the DLQ (spec §5.1; the consumer's MAX_RECEIVE_COUNT).
  redrive_policy = jsonencode({
    deadLetterTargetArn = module.refer_and_monitor_and_delius_dlq.sqs_arn
    maxReceiveCount     = 3
  })

  business_unit          = var.business_unit
  application            = var.application
  is_production          = var.is_production
  team_name              = var.team_name
  namespace              = var.namespace
  environment_name       = var.environment
  infrastructure_support = var.infrastructure_support

  providers = {
    aws = aws.london
  }
}

module "refer_and_monitor_and_delius_dlq" {
  source                    = "github.com/ministryofjustice/cloud-platform-terraform-sqs?ref=5.1.2"
  sqs_name                  = "refer-and-monitor-and-delius-dlq"
  encrypt_sqs_kms           = "true"
  message_retention_seconds = 1209600

  business_unit          = var.business_unit
  application            = var.application
  is_production          = var.is_production
  team_name              = var.team_name
  namespace              = var.namespace
  environment_name       = var.environment
  infrastructure_support = var.infrastructure_support

  providers = {
    aws = aws.london
  }
}

# The topic may deliver to the queue.
resource "aws_sqs_queue_policy" "refer_and_monitor_and_delius_queue_policy" {
  queue_url = module.refer_and_monitor_and_delius_queue.sqs_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = module.refer_and_monitor_and_delius_queue.sqs_arn
      Condition = { ArnEquals = { "aws:SourceArn" = var.hmpps_domain_events_topic_arn } }
    }]
  })
}

# Only the event types the service handles reach its queue: the filter policy on the `eventType` message attribute
# lists exactly the keys of core's handler table (packages/core/src/events/handleDomainEvent.ts, `eventHandlers`);
# the chart tests fail when the two differ.
resource "aws_sns_topic_subscription" "refer_and_monitor_and_delius_subscription" {
  provider  = aws.london
  topic_arn = var.hmpps_domain_events_topic_arn
  protocol  = "sqs"
  endpoint  = module.refer_and_monitor_and_delius_queue.sqs_arn
  filter_policy = jsonencode({
    eventType = [
      "intervention.referral.ended",
      "intervention.action-plan.submitted",
      "intervention.action-plan.approved",
      "intervention.initial-assessment-appointment.session-feedback-submitted",
      "intervention.session-appointment.session-feedback-submitted",
    ]
  })
}

# The chart maps sqs_queue_name to MESSAGING_CONSUMER_QUEUE (helm_deploy/refer-and-monitor-and-delius/values.yaml).
resource "kubernetes_secret" "refer_and_monitor_and_delius_queue" {
  metadata {
    name      = "sqs-refer-and-monitor-and-delius-secret"
    namespace = var.namespace
  }
  data = {
    sqs_queue_url  = module.refer_and_monitor_and_delius_queue.sqs_id
    sqs_queue_arn  = module.refer_and_monitor_and_delius_queue.sqs_arn
    sqs_queue_name = module.refer_and_monitor_and_delius_queue.sqs_name
    sqs_dlq_name   = module.refer_and_monitor_and_delius_dlq.sqs_name
  }
}
