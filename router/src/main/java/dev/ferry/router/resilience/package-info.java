/** Step 3a: guard the send. One circuit breaker per backend; never a failover to the other backend. */
package dev.ferry.router.resilience;
