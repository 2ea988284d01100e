# Managed node groups of the fulfilment cluster (EKS managed node groups, Amazon Linux 2023).

resource "aws_eks_node_group" "general" {
  cluster_name    = aws_eks_cluster.fulfilment.name
  node_group_name = "general"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.private_subnet_ids
  instance_types  = ["m6i.2xlarge"]
  release_version = var.node_release_version

  scaling_config {
    min_size     = 3
    desired_size = 3
    max_size     = 6
  }

  update_config {
    max_unavailable = 1
  }

  taint {
    key    = "dedicated"
    value  = "ingest"
    effect = "NO_SCHEDULE"
  }

  labels = {
    workload = "general"
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}

# The parcel scanner pipeline (ingest workers) gets its own compute-optimised nodes; only pods
# that tolerate dedicated=ingest run there.
resource "aws_eks_node_group" "ingest" {
  cluster_name    = aws_eks_cluster.fulfilment.name
  node_group_name = "ingest"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.private_subnet_ids
  instance_types  = ["c6i.4xlarge"]
  release_version = var.node_release_version

  scaling_config {
    min_size     = 1
    desired_size = 1
    max_size     = 4
  }

  update_config {
    max_unavailable = 1
  }

  taint {
    key    = "dedicated"
    value  = "ingest"
    effect = "NO_SCHEDULE"
  }

  labels = {
    workload = "ingest"
  }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }
}
