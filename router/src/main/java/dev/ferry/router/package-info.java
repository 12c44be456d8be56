/**
 * Ferry's router: {@link dev.ferry.router.Router} builds the parts and owns their lifecycle,
 * {@link dev.ferry.router.pipeline.Pipeline} is the request path in order (tenant, routing, breaker, outcome), and
 * {@link dev.ferry.router.transport} carries its bytes.
 */
package dev.ferry.router;
