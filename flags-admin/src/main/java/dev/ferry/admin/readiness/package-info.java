/**
 * Whether shadow evidence lets a tenant move: each replica's tally read from its admin port, the fleet's windows merged
 * and judged by the router's own {@code Readiness} against the bar the replicas report, and the gate a move to new
 * passes (or is forced past, with a reason the history keeps).
 */
package dev.ferry.admin.readiness;
