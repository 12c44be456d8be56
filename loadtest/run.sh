#!/usr/bin/env bash
# Runs one Gatling simulation: loadtest/run.sh SIMULATION [-Dname=value ...]
#   loadtest/run.sh SteadyTenantMixSimulation -Drate=220 -Dduration=300
#   loadtest/run.sh ShadowReadsSimulation -Dferry.flagsFile=$PWD/ferry-demo/flags.json -Drate=1000 -Dramp=20
# SIMULATION is a class of dev.ferry.loadtest (or a full class name); the properties are the simulation's
# (loadtest/README.md). The simulations move tenants through flags-admin's own code, so the modules they use are
# built and installed into the local Maven repository first (quietly, tests skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || {
  echo "usage: loadtest/run.sh SIMULATION [-Dname=value ...]" >&2
  exit 2
}
sim="$1"
shift
case "$sim" in *.*) ;; *) sim="dev.ferry.loadtest.$sim" ;; esac
./mvnw -q -B -pl loadtest -am install -DskipTests -Dspotless.check.skip=true
exec ./mvnw -B -pl loadtest gatling:test -Dgatling.simulationClass="$sim" "$@"
