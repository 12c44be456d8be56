package dev.ferry.admin.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.admin.cli.LoopbackBackend;
import dev.ferry.admin.cli.RouterReplica;
import dev.ferry.admin.readiness.ReadinessGate;
import dev.ferry.admin.readiness.ShadowReader;
import dev.ferry.admin.tenants.Change;
import dev.ferry.admin.tenants.FlagsFileStore;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.MigrationStore;
import dev.ferry.admin.tenants.Operator;
import dev.ferry.admin.tenants.Progress;
import dev.ferry.admin.tenants.TenantMover;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The console in a real browser: Debian's chromium, headless, driven by Debian's chromium-driver (both installed by
 * deploy/local/install-test-tools.sh), against the console on loopback over a flags file, with the live split from the
 * /metrics of the packaged router routing by that file. Screenshots land in target/console-*.png.
 */
class ConsoleBrowserIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String TOKEN = "browser-test-token-0123456789";
    private static final String FLAG = "route-tenant-to-new";

    private static WebDriver browser;
    private static Path profile;

    @TempDir
    Path dir;

    private MigrationStore store;
    private ConsoleServer console;
    private final List<AutoCloseable> router = new java.util.ArrayList<>();

    @BeforeAll
    static void startBrowser() throws IOException {
        for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            assertThat(Files.isExecutable(Path.of(binary)))
                    .as(binary + " is missing: run deploy/local/install-test-tools.sh (Debian packages chromium and"
                            + " chromium-driver)")
                    .isTrue();
        }
        profile = Files.createTempDirectory("flags-admin-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,2000",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void startConsole() throws IOException {
        Path file = dir.resolve("flags.json");
        try (InputStream demo = ConsoleBrowserIT.class.getResourceAsStream("/demo/flags.json")) {
            Files.write(file, demo.readAllBytes());
        }
        store = new FlagsFileStore(file, FLAG);
    }

    /** The packaged router on the console's flags file, in front of two backends: what the live split reads. */
    private RouterReplica startRouter() throws IOException {
        LoopbackBackend legacy = new LoopbackBackend("legacy");
        router.add(legacy);
        LoopbackBackend fresh = new LoopbackBackend("new");
        router.add(fresh);
        RouterReplica replica =
                RouterReplica.onFile(dir.resolve("router"), dir.resolve("flags.json"), legacy.url(), fresh.url());
        router.add(0, replica);
        return replica;
    }

    private void serve(LiveSplit split) throws IOException {
        serve(split, ReadinessGate.withoutRouters("ferry.shadow"));
    }

    private void serve(LiveSplit split, ReadinessGate gate) throws IOException {
        console = ConsoleServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TOKEN,
                new TenantMover(store, Clock.systemUTC(), Progress.none()),
                split,
                gate,
                new PrintStream(new ByteArrayOutputStream(), true));
        browser.get(console.uri().toString());
    }

    @AfterEach
    void stopConsole() {
        if (console != null) {
            console.close();
        }
        for (AutoCloseable part : router) {
            try {
                part.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop " + part, e);
            }
        }
    }

    // ------------------------------------------------------------------ the page, as a person uses it

    @Test
    void signsInSearchesPlansAMoveConfirmsItAndSeesItOnNewAndInTheHistory() throws Exception {
        RouterReplica replica = startRouter();
        serve(LiveSplit.routerMetrics(replica.adminUrl().resolve("/metrics"), System::nanoTime));

        // the API needs the token; a wrong one is refused on the sign-in form
        signIn("not-the-token-at-all", "jane");
        waitUntil(() -> text("signin-error"), t -> t.contains("the console token is wrong"));
        signIn(TOKEN, "jane");
        waitUntil(() -> text("count-new"), t -> t.equals("1"));
        assertThat(text("operator-name")).isEqualTo("jane");
        assertThat(text("revision")).isEqualTo(store.read().migration().revision());

        // search: globex is on new, acme (listed nowhere) goes to legacy
        type("tenant-search", "glob");
        waitUntil(() -> tenants("tenants-new"), t -> t.equals(List.of("globex")));
        type("tenant-search", "acme");
        waitUntil(() -> tenants("tenants-legacy"), t -> t.equals(List.of("acme")));

        // plan: exactly acme moves, legacy → new, on the revision shown
        type("change-tenants", "acme");
        type("change-reason", "first pilot");
        click("plan-button");
        waitUntil(() -> attribute("plan-verdict", "data-verdict"), v -> v.equals("allowed"));
        assertThat(browser.findElements(By.cssSelector("#plan-moves tbody tr")))
                .extracting(
                        r -> r.getAttribute("data-tenant"),
                        r -> r.getAttribute("data-from"),
                        r -> r.getAttribute("data-to"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("acme", "legacy", "new"));
        assertThat(text("plan-revision")).isEqualTo(store.read().migration().revision());
        assertThat(find("confirm-button").isEnabled()).isTrue();
        assertThat(text("plan-switch")).startsWith("The fleet switches these tenants at one instant, ");
        assertThat(attribute("plan-switch", "data-immediate")).isEqualTo("false");
        screenshot("plan");

        // confirm: written, acme on new at the fleet-safe time, in the history by jane
        click("confirm-button");
        waitUntil(() -> attribute("result", "data-result"), r -> r.equals("written"));
        assertThat(store.read()
                        .migration()
                        .place("acme", Migration.EVENTUALLY)
                        .backend()
                        .tag())
                .isEqualTo("new");
        waitUntil(
                () -> store.read()
                        .migration()
                        .place("acme", Instant.now())
                        .backend()
                        .tag(),
                b -> b.equals("new"));
        type("tenant-search", "acme");
        waitUntil(() -> tenants("tenants-new"), t -> t.equals(List.of("acme")));
        waitUntil(
                () -> browser.findElements(By.cssSelector("#history-table tbody tr")),
                rows -> !rows.isEmpty() && rows.get(0).getText().contains("acme legacy→new"));
        WebElement latest = browser.findElement(By.cssSelector("#history-table tbody tr"));
        assertThat(latest.getAttribute("data-by")).startsWith("jane");
        assertThat(latest.getText()).contains("first pilot");

        // the live split from the router's /metrics: a scrape before the traffic, then three quarters of the requests
        // on new (hooli, listed nowhere, on legacy; globex in pilot)
        new ConsoleClient(console.uri(), TOKEN).get("/api/split");
        assertThat(replica.send("hooli", 10)).isEqualTo("legacy");
        assertThat(replica.send("globex", 30)).isEqualTo("new");
        waitUntil(() -> text("split-share"), s -> s.equals("75.0 %"));
        assertThat(attribute("split-state", "data-state")).isEqualTo("ok");
        screenshot("written");
    }

    @Test
    void refusesAMoveBackAndReplansAStaleChangeBeforeWritingIt() throws IOException {
        TenantMover other = new TenantMover(store, Clock.systemUTC(), Progress.none());
        Operator john = new Operator("john", null, false);
        other.apply(new Change.MoveToNew(Set.of("acme"), "pilot", null), john);
        serve(LiveSplit.none());
        signIn(TOKEN, "jane");
        waitUntil(() -> text("count-new"), t -> t.equals("2"));
        assertThat(text("split-state")).startsWith("Not configured");

        // removing acme from pilot would send it back: refused, nothing to confirm
        choose("change-kind", "remove");
        type("change-tenants", "acme");
        type("change-rule", "pilot");
        click("plan-button");
        waitUntil(() -> attribute("plan-verdict", "data-verdict"), v -> v.equals("refused"));
        assertThat(browser.findElements(By.cssSelector("#plan-refusals li")))
                .extracting(li -> li.getAttribute("data-kind"))
                .containsExactly("LIST_REMOVAL");
        assertThat(text("plan-why")).contains("Data is replicated one way only");
        assertThat(find("confirm-button").isEnabled()).isFalse();
        screenshot("refused");
        assertThat(store.read()
                        .migration()
                        .place("acme", Instant.now())
                        .backend()
                        .tag())
                .isEqualTo("new");

        // a plan made, then another operator writes: confirming shows the new plan instead of writing
        choose("change-kind", "move");
        type("change-tenants", "initech");
        find("change-rule").clear();
        find("change-starts-at").clear();
        click("change-immediate");
        click("plan-button");
        waitUntil(() -> attribute("plan-verdict", "data-verdict"), v -> v.equals("allowed"));
        assertThat(attribute("plan-switch", "data-immediate")).isEqualTo("true");
        String seen = text("plan-revision");
        other.apply(new Change.MoveToNew(Set.of("hooli"), "pilot", null), john);
        click("confirm-button");
        waitUntil(() -> attribute("result", "data-result"), r -> r.equals("stale"));
        String now = store.read().migration().revision();
        assertThat(text("result")).contains(seen).contains(now);
        assertThat(text("plan-revision")).isEqualTo(now);
        assertThat(store.read()
                        .migration()
                        .place("initech", Instant.now())
                        .backend()
                        .tag())
                .isEqualTo("legacy");

        click("confirm-button");
        waitUntil(() -> attribute("result", "data-result"), r -> r.equals("written"));
        assertThat(store.read()
                        .migration()
                        .place("initech", Instant.now())
                        .backend()
                        .tag())
                .isEqualTo("new");
    }

    @Test
    void showsAShadowedTenantsReadinessRefusesItsMoveAndMovesItForcedWithAReason() throws Exception {
        RouterReplica replica = startRouter(); // its backends answer {"backend": "legacy"} and {"backend": "new"}
        serve(
                LiveSplit.none(),
                new ReadinessGate(
                        new ShadowReader(Duration.ofSeconds(3)), List.of(replica.adminUrl()), "ferry.shadow", false));
        signIn(TOKEN, "jane");
        waitUntil(() -> text("count-new"), t -> t.equals("1"));

        // shadow hooli from the page; the replica reads the flags file, then asks both backends for hooli's GETs
        type("shadow-tenants", "hooli");
        click("shadow-on-button");
        waitUntil(
                () -> browser.findElements(By.cssSelector("#shadow-table tr[data-tenant=hooli]")), r -> r.size() == 1);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest tally = HttpRequest.newBuilder(replica.adminUrl().resolve("/shadow/tenants/hooli"))
                .build();
        waitUntil(
                () -> http.send(tally, HttpResponse.BodyHandlers.ofString()).body(),
                b -> b.contains("\"shadowed\":true"));
        assertThat(replica.send("hooli", 10)).isEqualTo("legacy");
        waitUntil(
                () -> http.send(tally, HttpResponse.BodyHandlers.ofString()).body(),
                b -> b.contains("\"observed\":10"));

        // its readiness: 10 compared, none matching, the field that differs named
        browser.navigate().refresh();
        WebElement row = waitUntil(
                () -> browser.findElement(By.cssSelector("#shadow-table tr[data-tenant=hooli]")),
                r -> r.getText().contains(" 10 "));
        assertThat(row.getAttribute("data-ready")).isEqualTo("no");
        assertThat(row.findElement(By.cssSelector("td.gates")).getText()).contains("match_lower_bound");
        assertThat(row.findElement(By.cssSelector("td.fields")).getText()).contains("backend");
        screenshot("shadow");

        // a move of hooli is refused below the bar, nothing to confirm
        type("change-tenants", "hooli");
        click("plan-button");
        waitUntil(() -> attribute("plan-verdict", "data-verdict"), v -> v.equals("readiness-refused"));
        WebElement blocked = browser.findElement(By.cssSelector("#plan-readiness-blocked li"));
        assertThat(blocked.getAttribute("data-tenant")).isEqualTo("hooli");
        assertThat(blocked.getAttribute("data-gates")).contains("match_lower_bound", "min_compared");
        assertThat(find("confirm-button").isEnabled()).isFalse();
        screenshot("readiness-refused");

        // forced with a reason: written, and the history says what it went past
        click("change-force-unready");
        type("change-reason", "demo deadline");
        click("plan-button");
        waitUntil(() -> attribute("plan-verdict", "data-verdict"), v -> v.equals("forced"));
        click("confirm-button");
        waitUntil(() -> attribute("result", "data-result"), r -> r.equals("written"));
        assertThat(store.read()
                        .migration()
                        .place("hooli", Migration.EVENTUALLY)
                        .backend()
                        .tag())
                .isEqualTo("new");
        waitUntil(
                () -> browser.findElements(By.cssSelector("#history-table tbody tr")),
                rows -> !rows.isEmpty()
                        && rows.get(0)
                                .getText()
                                .contains("demo deadline [forced past readiness: hooli (match_lower_bound"));
    }

    // ------------------------------------------------------------------ helpers

    private void signIn(String token, String name) {
        type("token", token);
        type("operator", name);
        click("signin-submit");
    }

    private WebElement find(String id) {
        return browser.findElement(By.id(id));
    }

    private String text(String id) {
        return find(id).getText();
    }

    private String attribute(String id, String name) {
        return find(id).getAttribute(name);
    }

    private void type(String id, String text) {
        WebElement e = waitUntil(() -> find(id), WebElement::isDisplayed);
        e.clear();
        e.sendKeys(text);
    }

    private void choose(String id, String value) {
        find(id).findElement(By.cssSelector("option[value='" + value + "']")).click();
    }

    private void click(String id) {
        waitUntil(() -> find(id), e -> e.isDisplayed() && e.isEnabled()).click();
    }

    private List<String> tenants(String list) {
        return browser.findElements(By.cssSelector("#" + list + " li")).stream()
                .map(li -> li.getAttribute("data-tenant"))
                .toList();
    }

    private static <T> T waitUntil(Callable<T> value, java.util.function.Predicate<? super T> until) {
        return await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(value, until::test);
    }

    private static void screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path target = Path.of("target", "console-" + name + ".png");
        Files.createDirectories(target.getParent());
        Files.write(target, png);
    }
}
