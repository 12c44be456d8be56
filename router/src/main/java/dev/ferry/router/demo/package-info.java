/** The demo: two built-in backends and a local flags file, so that Ferry runs with nothing set up first. */
package dev.ferry.router.demo;
