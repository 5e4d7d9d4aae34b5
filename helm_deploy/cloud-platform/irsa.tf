# IRSA: the pods' service account (the chart's generic-service.serviceAccountName) may receive, delete and change
# visibility on the queue, and read and move messages on the DLQ (`ram-delius dlq …`, /queue-admin) — no AWS keys.
module "irsa" {
  source               = "github.com/ministryofjustice/cloud-platform-terraform-irsa?ref=2.1.0"
  eks_cluster_name     = var.eks_cluster_name
  namespace            = var.namespace
  service_account_name = "refer-and-monitor-and-delius"
  role_policy_arns = {
    sqs     = module.refer_and_monitor_and_delius_queue.irsa_policy_arn
    sqs_dlq = module.refer_and_monitor_and_delius_dlq.irsa_policy_arn
  }

  business_unit          = var.business_unit
  application            = var.application
  is_production          = var.is_production
  team_name              = var.team_name
  environment_name       = var.environment
  infrastructure_support = var.infrastructure_support
}
