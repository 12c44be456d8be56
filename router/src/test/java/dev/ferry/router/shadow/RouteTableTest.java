package dev.ferry.router.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTableTest {
    private final RouteTable table = RouteTable.of(List.of(
            CompareRules.builder("GET /orders/{id}").ignore("meta.requestId").build(),
            CompareRules.builder("GET /orders/export").build(),
            CompareRules.builder("GET /orders").build(),
            CompareRules.builder("GET /customers/{id}/orders/{orderId}").build()));

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET | /orders/123 | GET /orders/{id}",
                "get | /orders/123?expand=lines | GET /orders/{id}",
                "GET | /orders/export | GET /orders/export",
                "GET | /orders | GET /orders",
                "GET | /orders/ | GET /orders",
                "GET | /customers/7/orders/9 | GET /customers/{id}/orders/{orderId}",
                "GET | /orders/123/lines | GET /orders/{id}/lines",
                "HEAD | /orders/123 | HEAD /orders/{id}",
                "GET | /invoices/INV-7/pdf?x=1 | GET /invoices/{id}/pdf",
                "GET | /files/abcdefabcdefabcdefabcdefab | GET /files/{id}",
                "GET | /health | GET /health",
                "GET | / | GET /"
            })
    void mapsARequestPathToItsTemplateOrOneDerivedFromIt(String method, String path, String route) {
        assertThat(table.route(method, path).name()).isEqualTo(route);
    }

    @Test
    void derivesAtMostABoundedNumberOfRoutesThenCountsTheRestAsOther() {
        for (int i = 0; i < RouteTable.MAX_DERIVED_ROUTES; i++) {
            assertThat(table.route(
                            "GET",
                            "/p" + "abcdefghijklmnopqrstuvwxyz".charAt(i % 26) + "/x"
                                    + "qwertyuiopasdfghjklzxcvbnm".charAt(i / 26)))
                    .isNotEqualTo(Route.OTHER);
        }
        assertThat(table.route("GET", "/one/more")).isEqualTo(Route.OTHER);
        assertThat(table.route("GET", "/pa/xq")).isNotEqualTo(Route.OTHER); // one seen before keeps its template
        assertThat(table.route("GET", "/orders/1").name()).isEqualTo("GET /orders/{id}");
    }

    @Test
    void givesTheRouteItsOwnRulesAndOtherTheDefaults() {
        Route orders = table.route("GET", "/orders/1");
        assertThat(table.rules(orders).ignored()).containsExactly(JsonPath.parse("meta.requestId"));
        assertThat(table.rules(Route.OTHER)).isEqualTo(CompareRules.defaults(Route.OTHER));
        assertThat(table.rules(Route.OTHER).headers()).containsExactly("content-type");
    }

    @Test
    void refusesARouteGivenTwice() {
        assertThatThrownBy(() -> RouteTable.of(List.of(
                        CompareRules.builder("GET /orders/{id}").build(),
                        CompareRules.builder("GET /orders/{id}").build())))
                .hasMessage("shadow rules given twice for [GET /orders/{id}] (expected: one rule per route)");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"/orders/{id}", "get /orders", "GET orders", "GET /orders/{id", "GET /a/{1x}"})
    void refusesARouteThatIsNotAMethodAndATemplate(String text) {
        assertThatThrownBy(() -> Route.parse(text))
                .hasMessageStartingWith("route '")
                .hasMessageContaining("expected: a method and a path template such as 'GET /orders/{id}'");
    }
}
