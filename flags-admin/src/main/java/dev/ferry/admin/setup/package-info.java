/**
 * Setting up Unleash for Ferry and checking a running set-up: {@code init} creates the routing flag in the shape the
 * router reads, {@code doctor} checks Unleash, the flag and the routers, and says what is wrong in words.
 */
package dev.ferry.admin.setup;
