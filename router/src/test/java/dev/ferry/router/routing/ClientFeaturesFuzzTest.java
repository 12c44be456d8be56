package dev.ferry.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Flag documents from hostile or broken sources (a flags file, an Unleash server): the check that guards the routing
 * state answers with a list of problems, never an exception, and a document it accepts has the routing flag's
 * definition readable.
 */
class ClientFeaturesFuzzTest {
    private static final String FLAG = "route-tenant-to-new";

    @FuzzTest(maxDuration = "5s")
    void namesTheProblemsOfAnyDocumentAndNeverThrows(FuzzedDataProvider data) {
        String json = data.consumeRemainingAsString();

        var problems = ClientFeatures.problems(json, FLAG);

        assertThat(problems).isNotNull();
        if (problems.isEmpty()) {
            ClientFeatures.flagDefinition(json, FLAG); // readable, whatever it holds
            ClientFeatures.revision(json);
            TimeBoundaries.instants(json, FLAG);
        }
    }
}
