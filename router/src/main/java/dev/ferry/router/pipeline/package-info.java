/**
 * The one request path, as typed steps both transports call in the same order:
 * {@link dev.ferry.router.pipeline.Pipeline#admit} (tenant, decision, breaker permit) yields an
 * {@link dev.ferry.router.pipeline.Admission}; {@link dev.ferry.router.pipeline.Pipeline#finish} consumes one
 * {@link dev.ferry.router.pipeline.Outcome}.
 */
package dev.ferry.router.pipeline;
