/** The JSON documents both front ends print: {@code --json} on the command line, and the console's REST API. */
package dev.ferry.admin.json;
