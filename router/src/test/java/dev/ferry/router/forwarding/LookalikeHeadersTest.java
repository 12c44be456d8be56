package dev.ferry.router.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LookalikeHeadersTest {
    private final LookalikeHeaders lookalikes = new LookalikeHeaders(true, List.of("X-Org", "X-Tenant-Id", ""));

    @ParameterizedTest
    @ValueSource(
            strings = {
                "X_Tenant_Id",
                "x_tenant-id",
                "X-TENANT_ID",
                "X_Org",
                "x_forwarded_for",
                "X_Forwarded-Proto",
                "x_ferry_anything",
                "X_Ferry_Backend",
                "FORWARDED_",
                "Forwarded_",
                "HOST_",
                "Via_"
            })
    void findsEveryNameThatDiffersOnlyByAnUnderscore(String name) {
        boolean trailing = name.endsWith("_");
        assertThat(lookalikes.isLookalike(name)).isEqualTo(!trailing);
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Tenant-Id", "X-Forwarded-For", "X-Ferry-Backend", "X_Request_Id", "accept", "Host"})
    void leavesTheRealNamesAndEveryOtherHeaderAlone(String name) {
        assertThat(lookalikes.isLookalike(name)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void namesTheFirstLookalikeOfARequest() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Accept", "*/*")
                .add("X_Request_Id", "7")
                .add("X_Org", "globex")
                .add("X_Tenant_Id", "initech");

        assertThat(lookalikes.find(headers)).isEqualTo("X_Org");
        assertThat(lookalikes.find(new DefaultHttpHeaders().add("X-Org", "acme")))
                .isNull();
        assertThat(lookalikes.rejects()).isTrue();
    }
}
