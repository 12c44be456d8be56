package dev.ferry.admin.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.TenantMover;
import dev.ferry.admin.unleash.AdminApi;
import dev.ferry.admin.unleash.RunningUnleash;
import dev.ferry.admin.unleash.UnleashAdminStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The API contract against the real Unleash server that deploy/unleash/unleash.sh runs (a new flag per test). */
class ConsoleApiIT extends ConsoleApiContract {
    private final RunningUnleash unleash = RunningUnleash.running();
    private String flag;

    @Override
    protected MigrationStore newStore() {
        flag = unleash.createFlag("console");
        return unleashStore();
    }

    @Override
    protected MigrationStore anotherOperatorsStore() {
        return unleashStore();
    }

    private MigrationStore unleashStore() {
        return new UnleashAdminStore(unleash.admin(), RunningUnleash.PROJECT, RunningUnleash.ENVIRONMENT, flag);
    }

    @Override
    protected String shadowFlag() {
        return flag + ".shadow";
    }

    @AfterEach
    void archiveFlag() {
        unleash.archive(flag);
        unleash.archive(shadowFlag());
    }

    @Test
    void answers503WhenUnleashIsUnreachable() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        MigrationStore nowhere = new UnleashAdminStore(
                new AdminApi(URI.create("http://127.0.0.1:" + closed), RunningUnleash.ADMIN_TOKEN),
                RunningUnleash.PROJECT,
                RunningUnleash.ENVIRONMENT,
                flag);
        try (ConsoleServer console = ConsoleServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TOKEN,
                new TenantMover(nowhere, Clock.systemUTC(), Progress.none()),
                LiveSplit.none(),
                new PrintStream(log, true))) {
            ConsoleClient.Response r = new ConsoleClient(console.uri(), TOKEN).get("/api/status");

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().path("error").asText()).isEqualTo("store unreachable");
            assertThat(r.json().path("detail").asText()).contains("is not reachable");
        }
    }
}
