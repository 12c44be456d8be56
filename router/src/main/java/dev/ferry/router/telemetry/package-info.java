/**
 * Observe each request: one access-log line and one span per exchange, made on the event loop as small immutable
 * values and written or exported by threads of their own.
 */
package dev.ferry.router.telemetry;
