/** The side door, on its own port: health, metrics and "where does this tenant go?". */
package dev.ferry.router.admin;
