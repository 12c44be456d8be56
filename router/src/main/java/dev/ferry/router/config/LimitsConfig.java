package dev.ferry.router.config;

import static dev.ferry.router.config.Require.require;

/**
 * What one request may ask of Ferry.
 *
 * @param maxRequestBody the largest request body forwarded, in bytes: a larger declared one is refused before anything
 *     is sent; a larger streamed one is cut off so that the backend never sees it complete
 */
public record LimitsConfig(long maxRequestBody) {
    public LimitsConfig {
        require(maxRequestBody > 0, "limits.max-request-body: %s (expected: more than 0)", maxRequestBody);
    }
}
