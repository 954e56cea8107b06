#!/bin/sh
# Containers bind 0.0.0.0 (GIPO_HOSTNAME), which other nodes cannot dial: unless the orchestrator set an address
# to advertise (compose: the service name; Kubernetes: the pod IP), advertise this container's own IP.
set -e
if [ -z "${GIPO_PUBLIC_HOSTNAME:-}" ]; then
  GIPO_PUBLIC_HOSTNAME="$(hostname -i 2>/dev/null | cut -d' ' -f1)"
  export GIPO_PUBLIC_HOSTNAME
fi
exec "$@"
