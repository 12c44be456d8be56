/**
 * flags-admin: moves tenants between the legacy and the new backend by editing the routing flag, one way only.
 * {@code tenants} holds the operation both front ends call, {@code unleash} the Admin API, {@code cli} the command line.
 */
package dev.ferry.admin;
