#!/bin/sh
# Create the CivicOps namespace and register the custom search attributes its workflows
# upsert. Runs in the temporalio/admin-tools image (service temporal-namespace in
# docker-compose.yml) once the server is healthy, on every `docker compose up`.
#
# Idempotent: an existing namespace is kept as it is, and `search-attribute create` leaves
# attributes that already exist with the same type alone. An attribute that exists with a
# different type makes the CLI fail, which stops the stack before the app starts.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS (host:port of the frontend) is required}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${TEMPORAL_NAMESPACE_RETENTION:=720h}"
: "${CIVICOPS_SEARCH_ATTRIBUTES:?CIVICOPS_SEARCH_ATTRIBUTES (Name=Type ...) is required}"

host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
# Dial the resolved address rather than the name, as temporalio/samples-server's
# create-namespace.sh does, to avoid the CLI picking an address the server does not bind.
ip=$(getent ahosts "$host" | grep STREAM | head -n 1 | awk '{ print $1 }' || true)
address="${ip:-$host}:$port"

retry() { # retry DESCRIPTION COMMAND...: up to 30 attempts, 2 s apart
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 30 ]; then
      echo "Gave up: $what" >&2
      return 1
    fi
    echo "Waiting: $what (attempt $attempt/30)"
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry "Temporal frontend at $address" temporal operator cluster health --address "$address"

if temporal operator namespace describe --address "$address" -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "Namespace $TEMPORAL_NAMESPACE exists"
else
  echo "Creating namespace $TEMPORAL_NAMESPACE (retention $TEMPORAL_NAMESPACE_RETENTION)"
  temporal operator namespace create --address "$address" -n "$TEMPORAL_NAMESPACE" \
    --retention "$TEMPORAL_NAMESPACE_RETENTION"
fi

# One call for every attribute: --name/--type pairs in the order given.
set --
for pair in $CIVICOPS_SEARCH_ATTRIBUTES; do
  set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"
done
# Retried: a namespace created a moment ago may not be in every cache yet.
retry "search attributes in $TEMPORAL_NAMESPACE" \
  temporal operator search-attribute create --address "$address" -n "$TEMPORAL_NAMESPACE" "$@"

all_registered() {
  listing=$(temporal operator search-attribute list --address "$address" -n "$TEMPORAL_NAMESPACE") || return 1
  for pair in $CIVICOPS_SEARCH_ATTRIBUTES; do
    printf '%s\n' "$listing" | grep -qw -- "${pair%%=*}" || return 1
  done
}
retry "search attributes to be listed in $TEMPORAL_NAMESPACE" all_registered

echo "Namespace $TEMPORAL_NAMESPACE is ready"
