package dev.ferry.router.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.netty.DisposableServer;

class BypassCounterTest {
    @ParameterizedTest(name = "Via: {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1.1 ferry | true",
                "2 ferry | true",
                "1.0 corp-proxy, 1.1 ferry | true",
                "1.1 Ferry (dev) | true",
                "1.1 corp-proxy | false",
                "1.1 ferry-legacy | false",
                "'' | false",
            })
    void recognisesFerrysViaEntryAmongOthers(String via, boolean forwarded) {
        assertThat(BypassCounter.forwardedByFerry(List.of(via))).isEqualTo(forwarded);
    }

    @Test
    void countsRequestsWithAndWithoutTheMarkApartButNotItsOwnScrape() throws Exception {
        BypassCounter counter = new BypassCounter();
        DisposableServer legacy = Demo.legacy(0, counter);
        try {
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI hello = URI.create("http://127.0.0.1:" + legacy.port() + "/hello");
            client.send(
                    HttpRequest.newBuilder(hello).header("Via", "1.1 ferry").build(),
                    HttpResponse.BodyHandlers.discarding());
            client.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.discarding());
            client.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.discarding());

            String metrics = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + legacy.port() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();

            assertThat(metrics)
                    .contains("# TYPE legacy_requests_total counter")
                    .contains("legacy_requests_total{via=\"ferry\"} 1\n")
                    .contains("legacy_requests_total{via=\"direct\"} 2\n");
        } finally {
            legacy.disposeNow();
        }
    }
}
