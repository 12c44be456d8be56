package dev.ferry.router;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The guard every other test relies on: a blocking call on a non-blocking thread fails the test that makes it. */
class BlockHoundTest {
    @Test
    void failsABlockingCallOnANonBlockingThread() {
        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1))
                        .publishOn(Schedulers.parallel())
                        .doOnNext(tick -> {
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .block(Duration.ofSeconds(5)))
                .hasMessageContaining("Blocking call!");
    }
}
