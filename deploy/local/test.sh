#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against real servers on loopback, format and dependency checks.
# Installs and starts what the tests need first (promtool; PostgreSQL and Unleash); safe to run again.
# Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/local/install-test-tools.sh
# The integration tests against a real Unleash need it running; started once, left running for the next run
# (deploy/unleash/unleash.sh stop stops it). The first run installs PostgreSQL, Unleash and Node 22 (about a minute).
deploy/unleash/unleash.sh start >/dev/null
./mvnw -B verify "$@"
