/** Step 1: who is calling? A request's headers and path become a {@link dev.ferry.router.tenant.TenantId}. */
package dev.ferry.router.tenant;
