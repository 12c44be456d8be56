/**
 * Transports: how bytes move, and nothing else. {@link dev.ferry.router.transport.FastPath} relays plain HTTP/1.1 on
 * Netty directly; {@link dev.ferry.router.transport.ReactorTransport} carries everything else on Reactor Netty. Both
 * call the {@link dev.ferry.router.pipeline.Pipeline}'s steps in the same order.
 */
package dev.ferry.router.transport;
