#!/usr/bin/env bash
# Runs the Ferry demo: builds the router (once, and again after a source change), then starts it with two
# built-in backends ("legacy" and "new") and a local flags file, ./ferry-demo/flags.json.
# Extra arguments go to the router, e.g. --config my.yaml.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=router/target/ferry-router.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml router/pom.xml router/src/main -newer "$jar" -print -quit)" ]; then
  echo "Building the router (first run: Maven downloads its dependencies)..."
  ./mvnw -q -B -pl router -am package -DskipTests -Dspotless.check.skip=true
fi
exec java -jar "$jar" --demo "$@"
