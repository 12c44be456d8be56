package dev.ferry.admin.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.tenants.Migration;
import dev.ferry.admin.tenants.Placement;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.StoreUnavailableException;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.admin.unleash.AdminApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a running set-up end to end and says what is wrong in words, one {@link Finding} per check:
 *
 * <pre>
 *   Unleash   reachable, the token an Admin API token; the project and the environment exist
 *   flag      exists, on in the environment, its rules ones the routers route from
 *   router    (each given) answers, is ready, routes by the flag from Unleash, has applied its latest change
 *   tenant    (if given) each router sends it where the flag says
 * </pre>
 *
 * A router's applied revision is the server revision ({@code meta.revisionId}, Unleash's latest event id) of the first
 * document it fetched with the flag as it is now. The flag's changes in the environment after it are changes the router
 * may not have: it has them when it confirmed its state with Unleash (its flag state's age) more than a revision tick
 * after the latest of them, and is behind otherwise.
 */
public final class Doctor {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * After a change, how long until every client fetch carries it: Unleash's revision tick (1 s, fixed) plus a margin
     * for the clocks of Unleash and the router.
     */
    private static final Duration SERVED_AFTER = Duration.ofMillis(1500);

    private final Target target;
    private final Clock clock;
    private final Duration timeout;
    private final HttpClient http;

    public Doctor(Target target, Clock clock, Duration timeout) {
        this.target = target;
        this.clock = clock;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /** What Unleash says, as far as the router checks need it; {@code migration} null when not readable. */
    private record Flag(Migration migration, long serverRevision) {}

    /**
     * @param routers routers' admin URLs to check, possibly none
     * @param tenant a tenant to follow through every router, or null
     */
    public List<Finding> check(List<URI> routers, String tenant) {
        List<Finding> findings = new ArrayList<>();
        Flag flag = unleash(findings);
        for (URI router : routers) {
            router(router, flag, tenant, findings);
        }
        return findings;
    }

    // --- Unleash -----------------------------------------------------------------------------------------------------

    private Flag unleash(List<Finding> findings) {
        AdminApi api = target.api();
        long serverRevision;
        try {
            serverRevision = latestEvent(null);
        } catch (StoreUnavailableException e) {
            findings.add(Finding.unreachable(e.getMessage()));
            return null;
        }
        findings.add(Finding.ok("Unleash at " + api.base() + " answers, and the token is an Admin API token (server"
                + " revision " + serverRevision + ")"));
        if (!target.projectExists()) {
            findings.add(Finding.problem("project " + target.project() + " does not exist (expected: one of "
                    + String.join(", ", target.projectIds()) + "; --project)"));
            return null;
        }
        findings.add(Finding.ok("project " + target.project() + " exists"));
        AdminApi.Answer env = api.send("GET", "/api/admin/environments/" + Target.encode(target.environment()), null);
        if (env.status() == 404) {
            findings.add(Finding.problem("environment " + target.environment() + " does not exist (expected: one of "
                    + String.join(", ", target.environmentNames()) + "; --environment)"));
            return null;
        }
        if (!env.ok()) {
            // Not an answer about the environment: Unleash failed or refused; said as the failure it is.
            api.expect("GET", "/api/admin/environments/" + Target.encode(target.environment()), null);
        }
        if (!env.json().path("enabled").asBoolean(true)) {
            findings.add(Finding.problem("environment " + target.environment() + " is disabled in Unleash: routers"
                    + " whose client token names it get no flags (enable it under Environments)"));
            return null;
        }
        findings.add(Finding.ok("environment " + target.environment() + " exists"));
        return flag(findings, serverRevision);
    }

    private Flag flag(List<Finding> findings, long serverRevision) {
        String name = target.flag();
        AdminApi.Answer answer = target.api().send("GET", target.feature(name), null);
        if (answer.status() == 404) {
            findings.add(Finding.problem("routing flag " + name + " does not exist in project " + target.project()
                    + ": every router answers 503 routing_unknown ('flags-admin init' creates it)"));
            return null;
        }
        JsonNode feature = target.api().expect("GET", target.feature(name), null);
        var env = target.inEnvironment(feature).orElse(null);
        if (env == null) {
            findings.add(Finding.problem("routing flag " + name + " has no environment " + target.environment()
                    + " (it has " + String.join(", ", Target.environments(feature)) + ")"));
            return null;
        }
        if (env.enabled()) {
            findings.add(Finding.ok("routing flag " + name + " exists and is on in " + target.environment()));
        } else {
            findings.add(Finding.problem("routing flag " + name + " is off in " + target.environment() + ": every"
                    + " tenant is on legacy and moves take no effect (turn it on in Unleash once 'flags-admin status'"
                    + " shows the rules you mean)"));
        }
        List<String> problems = FlagShape.problems(name, target.environment(), env.enabled(), env.strategies());
        problems.forEach(p -> findings.add(Finding.problem("routing flag " + name + ": " + p)));
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < env.strategies().size(); i++) {
            rules.add(Strategies.read(env.strategies().get(i), i));
        }
        if (problems.isEmpty()) {
            List<String> names = new ArrayList<>();
            rules.stream().filter(r -> !r.disabled()).forEach(r -> names.add(r.name() + " (" + r.shape() + ")"));
            findings.add(Finding.ok("routing flag " + name + " has the shape the routers read: "
                    + (names.isEmpty() ? "no enabled rule" : String.join(", ", names))));
        }
        Migration migration = new Migration(name, env.enabled(), rules, "event " + latestEvent(name));
        return new Flag(problems.isEmpty() ? migration : null, serverRevision);
    }

    /** The id of the latest event (of the flag in the environment, or of any): Unleash's revision. */
    private long latestEvent(String flag) {
        JsonNode events = target.api().expect("GET", events(flag, 1), null).path("events");
        return events.size() == 0 ? 0 : events.get(0).path("id").asLong();
    }

    /** The flag's changes in the environment after {@code revision}, newest first (at most a page). */
    private List<JsonNode> changesAfter(long revision) {
        List<JsonNode> after = new ArrayList<>();
        for (JsonNode e :
                target.api().expect("GET", events(target.flag(), 100), null).path("events")) {
            if (e.path("id").asLong() > revision) {
                after.add(e);
            }
        }
        return after;
    }

    private String events(String flag, int limit) {
        String filter = flag == null
                ? ""
                : "feature=" + Target.encode("IS:" + flag) + "&environment="
                        + Target.encode("IS:" + target.environment()) + "&";
        return "/api/admin/search/events?" + filter + "offset=0&limit=" + limit;
    }

    // --- routers -----------------------------------------------------------------------------------------------------

    private void router(URI router, Flag flag, String tenant, List<Finding> findings) {
        String name = "router " + router;
        HttpResponse<String> ready;
        JsonNode state;
        try {
            ready = get(router.resolve("/health/ready"));
            state = JSON.readTree(get(router.resolve("/routing/state")).body());
        } catch (IOException e) {
            findings.add(Finding.unreachable(
                    name + " does not answer on its admin port (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "; expected: a"
                            + " router's admin.host:admin.port, such as http://127.0.0.1:9901)"));
            return;
        }
        if (ready.statusCode() == 200) {
            findings.add(Finding.ok(name + " is ready"));
        } else {
            findings.add(Finding.problem(name + " is not ready (" + ready.statusCode() + "): "
                    + state.path("notReadyBecause").asText(ready.body().strip())));
        }
        if (revision(name, state.path("flagState"), flag, findings)) {
            tenant(router, name, flag, tenant, findings);
        }
        if (state.path("cutover").path("stale").asBoolean(false)) {
            findings.add(Finding.problem(name + " is STALE: it cannot confirm its flag state within its lease and"
                    + " refuses legacy-bound requests (503 routing_stale); see docs/troubleshooting.md"));
        }
    }

    /** @return whether the router routes by this flag at all (then a tenant's decision can be compared) */
    private boolean revision(String name, JsonNode state, Flag flag, List<Finding> findings) {
        String routes = state.path("flag").asText("");
        if (!routes.equals(target.flag())) {
            findings.add(Finding.problem(name + " routes by flag '" + routes + "', not " + target.flag()
                    + " (its flags.flag-name, or --flag here)"));
            return false;
        }
        if (!state.path("loaded").asBoolean(false)) {
            findings.add(Finding.problem(name + " has no flag state yet: it answers 503 routing_unknown (its log says"
                    + " why: flags.unleash.url, the client token)"));
            return false;
        }
        if (!state.path("flagPresent").asBoolean(false)) {
            findings.add(Finding.problem(
                    name + "'s flag state (" + state.path("origin").asText() + ", revision "
                            + state.path("revision").asText() + ") has no flag " + target.flag() + ": it answers 503"
                            + " routing_unknown (a client token of another project or environment than "
                            + target.project() + "/" + target.environment() + "?)"));
            return false;
        }
        String origin = state.path("origin").asText();
        if (origin.equals("file")) {
            findings.add(Finding.problem(
                    name + " routes from a flags file (flags.source: file), not from this" + " Unleash"));
            return true;
        }
        if (!origin.equals("unleash")) {
            findings.add(Finding.problem(name + " routes from its " + origin + " file: it has not reached Unleash"
                    + " since it started (flags.unleash.url, the client token; ferry_flags_fetch_errors_total)"));
        }
        if (flag == null) {
            return true;
        }
        long applied;
        try {
            applied = Long.parseLong(state.path("revision").asText());
        } catch (NumberFormatException e) {
            findings.add(Finding.problem(name + " routes by revision '"
                    + state.path("revision").asText() + "'," + " which is no Unleash revision"));
            return true;
        }
        List<JsonNode> behind = changesAfter(applied);
        String routesBy = name + " routes by revision " + applied + " (routing table "
                + state.path("routingTable").asText() + ")";
        if (behind.isEmpty()) {
            findings.add(
                    Finding.ok(routesBy + ": the flag has not changed since; Unleash is at " + flag.serverRevision()));
            return true;
        }
        JsonNode latest = behind.get(0);
        Instant changedAt = instant(latest.path("createdAt").asText());
        Instant confirmedAt = state.path("ageSeconds").isNumber()
                ? clock.instant()
                        .minusMillis(Math.round(state.path("ageSeconds").asDouble() * 1000))
                : null;
        if (changedAt != null && confirmedAt != null && confirmedAt.isAfter(changedAt.plus(SERVED_AFTER))) {
            // The router keeps the revision it first saw the flag's definition in: a write that reached the client
            // payload before Unleash's revision tick leaves it there. Fetched since, and unchanged: it is current.
            findings.add(Finding.ok(routesBy + ", which holds the flag's latest change (event "
                    + latest.path("id").asText() + "): the router confirmed it with Unleash "
                    + ago(confirmedAt) + ", after that change"));
            return true;
        }
        findings.add(Finding.problem(name + " routes by revision " + applied + ", " + behind.size()
                + (behind.size() == 1 ? " change" : " changes") + " of " + target.flag() + " behind Unleash (latest:"
                + " event " + latest.path("id").asText() + ", "
                + latest.path("type").asText() + ", "
                + (changedAt == null ? "at " + latest.path("createdAt").asText() : ago(changedAt))
                + "); a router applies a change within about 2 s, so if it stays: its log, ferry_flags_age_seconds,"
                + " ferry_flags_fetch_errors_total"));
        return true;
    }

    private void tenant(URI router, String name, Flag flag, String tenant, List<Finding> findings) {
        if (tenant == null) {
            return;
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(get(router.resolve("/routing/tenants/" + Target.encode(tenant)))
                    .body());
        } catch (IOException e) {
            findings.add(
                    Finding.unreachable(name + " did not answer for tenant " + tenant + " (" + e.getMessage() + ")"));
            return;
        }
        String backend = answer.path("backend").asText("none");
        String says = name + " sends " + tenant + " to " + backend + " (reason "
                + answer.path("reason").asText()
                + (answer.path("rule").isTextual()
                        ? ", rule " + answer.path("rule").asText()
                        : "") + ")";
        if (flag == null || flag.migration() == null) {
            findings.add(Finding.problem(says + "; what the flag says cannot be told (see above)"));
            return;
        }
        Placement place = flag.migration().place(tenant, clock.instant());
        if (place.backend().tag().equals(backend)) {
            findings.add(Finding.ok(says + ", as the flag does: " + place.why()));
            return;
        }
        String held = answer.path("reason").asText().equals("flip_back_refused")
                ? ": the router holds it on new because the flag sends it back to legacy without the marker of a"
                        + " deliberate move back (docs/flag-model.md)"
                : "";
        findings.add(Finding.problem(
                says + ", but the flag sends it to " + place.backend().tag() + " (" + place.why() + ")" + held));
    }

    private HttpResponse<String> get(URI uri) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String ago(Instant at) {
        Duration d = Duration.between(at, clock.instant());
        return String.format(Locale.ROOT, "%.1f s ago", d.toMillis() / 1000.0);
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
