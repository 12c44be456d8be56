package dev.ferry.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource(
            quoteCharacter = '"',
            value = {
                "250ms, PT0.25S",
                "2s, PT2S",
                "5m, PT5M",
                "1h, PT1H",
                "0s, PT0S",
                "\" 2s \", PT2S",
                "PT1M30S, PT1M30S"
            })
    void readsTheUnitsOperatorsWriteAndIso8601(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(
            strings = {"", "2", "2 s", "2sec", "-2s", "1.5s", "2d", "-PT2S", "9999999999999999h", "PT9999999999999H"})
    void refusesAnythingElseSayingWhatIsExpected(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected: a duration such as 250ms, 2s, 5m or 1h");
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({"PT0.25S, 250ms", "PT1.5S, 1500ms", "PT2S, 2s", "PT90S, 90s", "PT5M, 5m", "PT2H, 2h", "PT0S, 0s"})
    void writesADurationInTheLargestWholeUnit(Duration duration, String text) {
        assertThat(Durations.format(duration)).isEqualTo(text);
    }
}
