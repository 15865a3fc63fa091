#!/bin/sh
# Quick start: install what is missing, build, create a data directory with a
# generated master key, the AmberScript example policy and an admin API key
# (printed once), check the policy, and run `vow serve` on it.
# VOW_DATA chooses the directory (default ./vow-data), VOW_LISTEN the address
# (default 127.0.0.1:8080), VOW_PUBLIC_URL where people reach it: the base of
# the links in its e-mails (default http://VOW_LISTEN, right for a local tour
# only; behind a proxy, give the proxy's https:// address).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)"
DATA="${VOW_DATA:-vow-data}"
if [ ! -f "$DATA/master.key" ]; then
	build/vow init "$DATA"
fi
build/vow policy check "$DATA/policy.yaml"
LISTEN="${VOW_LISTEN:-127.0.0.1:8080}"
exec build/vow serve --data "$DATA" --listen "$LISTEN" --public-url "${VOW_PUBLIC_URL:-http://$LISTEN}"
