/** Whether the router replicas of a fleet route alike: each one's flag state, asked and compared. */
package dev.ferry.admin.fleet;
