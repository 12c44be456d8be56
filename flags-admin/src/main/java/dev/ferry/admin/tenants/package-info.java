/**
 * The "move tenant" core: reads the routing flag as an ordered list of rules ({@link dev.ferry.admin.tenants.Migration}),
 * plans each change as the exact list of tenants that move ({@link dev.ferry.admin.tenants.Plan}), refuses moves back to
 * legacy ({@link dev.ferry.admin.tenants.OneWayGuard}) and writes through a {@link dev.ferry.admin.tenants.MigrationStore}.
 */
package dev.ferry.admin.tenants;
