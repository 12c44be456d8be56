/**
 * {@code flags-admin serve}: the web console. A static page (HTML, vanilla JS, CSS from the jar, no build step) that
 * speaks JSON to a small REST API over the same core as the command line, behind a bearer token.
 */
package dev.ferry.admin.console;
