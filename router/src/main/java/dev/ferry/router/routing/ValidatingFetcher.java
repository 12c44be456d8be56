package dev.ferry.router.routing;

import io.getunleash.event.ClientFeaturesResponse;
import io.getunleash.repository.FeatureFetcher;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks what the Unleash server sends before the SDK applies it: a document that Ferry cannot route from (a bad rule
 * payload, a rule to new that ends at a time) is refused, logged and counted, and the last good state stays, exactly
 * as for a flags file. While the server keeps serving the refused document its "not changed" answers are refused too.
 */
final class ValidatingFetcher implements FeatureFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(ValidatingFetcher.class);
    private static final int REJECTED = 400;

    private final FeatureFetcher delegate;
    private final Function<String, List<String>> validator;
    private final Consumer<String> onRejected;
    private boolean servingRejected;

    ValidatingFetcher(FeatureFetcher delegate, Function<String, List<String>> validator, Consumer<String> onRejected) {
        this.delegate = delegate;
        this.validator = validator;
        this.onRejected = onRejected;
    }

    @Override
    public synchronized ClientFeaturesResponse fetchFeatures() {
        ClientFeaturesResponse response = delegate.fetchFeatures();
        if (response.getStatus() == ClientFeaturesResponse.Status.NOT_CHANGED && servingRejected) {
            return ClientFeaturesResponse.unavailable(REJECTED, Optional.empty());
        }
        if (response.getStatus() != ClientFeaturesResponse.Status.CHANGED) {
            return response;
        }
        List<String> problems = validator.apply(response.getClientFeatures().orElse(""));
        if (problems.isEmpty()) {
            servingRejected = false;
            return response;
        }
        servingRejected = true;
        LOG.error(
                "The flag state from Unleash is not valid for routing, keeping the last good state:\n  - {}",
                String.join("\n  - ", problems));
        onRejected.accept("invalid");
        return ClientFeaturesResponse.unavailable(REJECTED, Optional.empty());
    }
}
