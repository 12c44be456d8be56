package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {
    @ParameterizedTest
    @CsvSource({"0,0", "1000,1000", "512k,524288", "100m,104857600", "1g,1073741824", "2G,2147483648", "64kb,65536"})
    void readsBytesAndPowersOf1024(String text, long bytes) {
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "1.5m", "-1k", "10 mb", "1t", "99999999999999999999g"})
    void refusesWhatIsNotASize(String text) {
        assertThatThrownBy(() -> Sizes.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected: a size such as 512k, 100m or 1g");
    }

    @ParameterizedTest
    @CsvSource({"104857600,100m", "65536,64k", "1073741824,1g", "1000,1000"})
    void writesTheShortestExactForm(long bytes, String text) {
        assertThat(Sizes.format(bytes)).isEqualTo(text);
    }
}
