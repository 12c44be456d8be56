/**
 * Ferry's router: {@link dev.ferry.router.ProxyHandler} is the request path in order (tenant, routing, forwarding),
 * {@link dev.ferry.router.Router} builds the parts and owns their lifecycle, {@link dev.ferry.router.ProxyFailure}
 * lists what can go wrong.
 */
package dev.ferry.router;
