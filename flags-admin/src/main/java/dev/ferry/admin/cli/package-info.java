/** The command line: parses options, calls {@link dev.ferry.admin.tenants.TenantMover}, prints tables or JSON. */
package dev.ferry.admin.cli;
