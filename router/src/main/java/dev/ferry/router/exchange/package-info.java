/**
 * The vocabulary every step of an exchange shares: what can go wrong ({@link dev.ferry.router.exchange.ProxyFailure},
 * the one table from errors to kinds) and which transport carried it.
 */
package dev.ferry.router.exchange;
