/**
 * Load tests: Gatling simulations aimed at any Ferry by system properties ({@link dev.ferry.loadtest.Settings}), and a
 * seconds-long smoke run of them against the packaged demo router.
 */
package dev.ferry.loadtest;
