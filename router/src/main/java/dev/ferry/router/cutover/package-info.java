/**
 * Step 2b of the request path, after routing: a tenant moves at one instant across the whole fleet. Around a scheduled
 * move's time its requests are held on every replica (the clock-skew bound on both sides, then the legacy deadline,
 * then the optional pre-activation check); a replica whose flag state is older than its lease holds legacy-bound
 * requests and then refuses them. The protocol and its bounds: docs/cutover.md.
 */
package dev.ferry.router.cutover;
