/**
 * The Unleash Admin API: reads the routing flag's strategies in one environment and writes rule changes back as
 * compare-and-set patches; reads the flag's event log as the migration's history.
 */
package dev.ferry.admin.unleash;
