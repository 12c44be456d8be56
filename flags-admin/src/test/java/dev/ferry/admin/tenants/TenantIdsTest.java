package dev.ferry.admin.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantIdsTest {
    @Test
    void lowerCasesValidIdsAsTheRouterDoes() {
        assertThat(TenantIds.parse("ACME-Corp_2.eu", "argument 1")).isEqualTo("acme-corp_2.eu");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-acme", ".acme", "ac me", "acme/eu", "acme\u212a", "ümlaut"})
    void refusesIdsTheRouterWouldRefuse(String raw) {
        assertThatThrownBy(() -> TenantIds.parse(raw, "argument 1"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("at argument 1")
                .hasMessageContaining("expected: 1-64 characters of [a-z0-9._-]");
    }

    @Test
    void refusesAnIdLongerThanSixtyFourCharacters() {
        assertThatThrownBy(() -> TenantIds.parse("a".repeat(65), "argument 1"))
                .hasMessageContaining("is 65 characters long");
    }

    @Test
    void reportsEveryMalformedIdOfAFileWithItsLineNumber() {
        String file = "# wave 2\nacme\nglobex, initech\n\nbad id!\numbrella\n-dash\n";

        assertThatThrownBy(() -> TenantIds.read(new StringReader(file), "wave-2.txt"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("2 malformed tenant ids")
                .hasMessageContaining("tenant id 'id!' is malformed at wave-2.txt:5")
                .hasMessageContaining("tenant id '-dash' is malformed at wave-2.txt:7");
    }

    @Test
    void readsIdsOneOrSeveralPerLineSkippingCommentsAndDuplicates() throws Exception {
        String file = "acme # the pilot\nGlobex, initech\nacme\n";

        assertThat(TenantIds.read(new StringReader(file), "t.txt")).containsExactly("acme", "globex", "initech");
    }

    @Test
    void namesEachMalformedArgument() {
        assertThatThrownBy(() -> TenantIds.parseAll(List.of("acme", "no way"), "argument"))
                .hasMessageContaining("tenant id 'no way' is malformed at argument 2");
    }
}
