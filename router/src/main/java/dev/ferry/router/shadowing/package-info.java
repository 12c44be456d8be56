/**
 * Step 5, after the answer: a shadowed tenant's safe requests are sent again to both backends, off the request path
 * and on a budget of their own, and the answers judged by {@link dev.ferry.router.shadow} (docs/shadow.md).
 */
package dev.ferry.router.shadowing;
