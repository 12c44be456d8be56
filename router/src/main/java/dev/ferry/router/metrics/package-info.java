/** Observe every step: every meter name and tag, registered once, recorded without look-ups on the request path. */
package dev.ferry.router.metrics;
