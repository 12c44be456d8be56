/** Step 2: where does it go? A {@link dev.ferry.router.tenant.TenantId} becomes a {@link dev.ferry.router.routing.RoutingDecision}. */
package dev.ferry.router.routing;
