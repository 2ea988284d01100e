#!/usr/bin/env bash
# Canary release without a rollout controller: start the new version on one surge pod, pause the
# Deployment so the controller goes no further, let the analysis job compare the canary's error
# rate with the stable pods', then resume (or roll back). The pipeline runs the three stages as
# separate jobs: `canary.sh start`, `canary.sh analyse`, `canary.sh promote|abort`.
set -euo pipefail

NAMESPACE=${NAMESPACE:-rewards}
DEPLOYMENT=${DEPLOYMENT:-loyalty-api}
IMAGE=${IMAGE:?IMAGE is required}

case "${1:-}" in
  start)
    # maxSurge 1 / maxUnavailable 0: the controller adds exactly one new pod before we pause it.
    kubectl -n "$NAMESPACE" set image "deployment/$DEPLOYMENT" "$DEPLOYMENT=$IMAGE"
    kubectl -n "$NAMESPACE" rollout pause "deployment/$DEPLOYMENT"
    kubectl -n "$NAMESPACE" annotate --overwrite "deployment/$DEPLOYMENT" \
      kubernetes.io/change-cause="canary ${IMAGE##*:} (pipeline ${CI_PIPELINE_ID:-manual})"
    ;;
  analyse)
    ./deploy/scripts/canary-analysis.py --namespace "$NAMESPACE" --deployment "$DEPLOYMENT" --minutes 15
    ;;
  promote)
    kubectl -n "$NAMESPACE" rollout resume "deployment/$DEPLOYMENT"
    kubectl -n "$NAMESPACE" rollout status "deployment/$DEPLOYMENT" --timeout 10m
    ;;
  abort)
    kubectl -n "$NAMESPACE" rollout resume "deployment/$DEPLOYMENT"
    kubectl -n "$NAMESPACE" rollout undo "deployment/$DEPLOYMENT"
    ;;
  *)
    echo "usage: $0 start|analyse|promote|abort" >&2
    exit 2
    ;;
esac
