#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against real servers on loopback, format and dependency checks.
# Installs what the tests need first; safe to run again. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/local/install-test-tools.sh
./mvnw -B verify "$@"
