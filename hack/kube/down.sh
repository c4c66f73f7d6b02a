#!/usr/bin/env bash
# The local cluster's down script lives with the Go provider, which embeds it;
# see hack/kube/README.md.
exec "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/kube/localcluster/scripts/down.sh" "$@"
