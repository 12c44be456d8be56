/** Step 3: send it there. A decision and a request become a streamed exchange with one backend. */
package dev.ferry.router.forwarding;
