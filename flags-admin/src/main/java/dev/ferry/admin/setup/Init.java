package dev.ferry.admin.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ferry.admin.tenants.BadInputException;
import dev.ferry.admin.tenants.Rule;
import dev.ferry.admin.tenants.Stamp;
import dev.ferry.admin.tenants.Strategies;
import dev.ferry.admin.unleash.AdminApi;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates what Ferry needs on an Unleash server that has none of it, and changes nothing that is there:
 *
 * <pre>
 *   context field tenantId     what the router evaluates with (the admin UI offers it in constraints)
 *   routing flag               on in the environment with one rule, "init": a 0 % wave to new, which moves nobody
 *                              (an enabled flag without strategies sends every tenant to new)
 *   migration window's flag    off: the window closed
 * </pre>
 *
 * A flag that exists is checked, never overwritten: of the wrong shape it is reported. The one exception is a flag
 * left off without rules (an init that stopped half-way, or a flag created by hand): it gets the rule and is turned on,
 * which sends every tenant to legacy, as the flag off did.
 */
public final class Init {
    /** The rule init writes: a wave at 0 %, so that the enabled flag sends nobody to new until a move names tenants. */
    public static final String FIRST_RULE = "init";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Target target;
    private final Clock clock;
    private final String by;

    public Init(Target target, Clock clock, String by) {
        this.target = target;
        this.clock = clock;
        this.by = by;
    }

    /**
     * @throws BadInputException when the project or the environment does not exist
     * @throws dev.ferry.admin.tenants.StoreUnavailableException when Unleash cannot be reached or refuses the token
     */
    public List<Finding> run() {
        checkProjectAndEnvironment();
        List<Finding> findings = new ArrayList<>();
        findings.add(contextField());
        findings.addAll(routingFlag());
        findings.add(windowFlag());
        return findings;
    }

    private void checkProjectAndEnvironment() {
        AdminApi api = target.api();
        if (!target.projectExists()) {
            throw new BadInputException("project '" + target.project() + "' does not exist on Unleash " + api.base()
                    + " (expected: one of " + String.join(", ", target.projectIds()) + "; --project or"
                    + " FLAGS_ADMIN_PROJECT)");
        }
        AdminApi.Answer env = api.send("GET", "/api/admin/environments/" + Target.encode(target.environment()), null);
        if (env.status() == 404) {
            throw new BadInputException("environment '" + target.environment() + "' does not exist on Unleash "
                    + api.base() + " (expected: one of " + String.join(", ", target.environmentNames())
                    + "; --environment or FLAGS_ADMIN_ENVIRONMENT)");
        }
        if (!env.ok()) {
            api.expect("GET", "/api/admin/environments/" + Target.encode(target.environment()), null);
        }
    }

    private Finding contextField() {
        AdminApi api = target.api();
        if (api.send("GET", "/api/admin/context/tenantId", null).status() != 404) {
            return Finding.ok("context field tenantId exists");
        }
        api.expect(
                "POST",
                "/api/admin/context",
                NODES.objectNode()
                        .put("name", "tenantId")
                        .put("description", "Ferry's tenant id: the routing flag decides by it")
                        .put("stickiness", true));
        return Finding.created("context field tenantId (what the routers evaluate the flag with)");
    }

    private List<Finding> routingFlag() {
        AdminApi api = target.api();
        String flag = target.flag();
        AdminApi.Answer answer = api.send("GET", target.feature(flag), null);
        if (answer.status() == 404) {
            create(
                    flag,
                    "release",
                    "Ferry's routing flag: its rules say which tenants the new backend serves"
                            + " (docs/flag-model.md); change it with flags-admin");
            JsonNode feature = api.expect("GET", target.feature(flag), null);
            Target.FlagEnvironment env = environmentOrFail(feature);
            return List.of(complete(flag, env, "routing flag " + flag));
        }
        if (!answer.ok()) {
            api.expect("GET", target.feature(flag), null);
        }
        Target.FlagEnvironment env = environmentOrFail(answer.json());
        if (!env.enabled() && env.strategies().isEmpty()) {
            return List.of(complete(flag, env, "routing flag " + flag + " existed, off without rules;"));
        }
        List<String> problems = FlagShape.problems(flag, target.environment(), env.enabled(), env.strategies());
        List<Finding> findings = new ArrayList<>();
        for (String problem : problems) {
            findings.add(Finding.problem(
                    "routing flag " + flag + ": " + problem + " (init changes nothing in a flag that exists)"));
        }
        if (!env.enabled()) {
            findings.add(Finding.problem("routing flag " + flag + " exists but is off in " + target.environment()
                    + " with " + env.strategies().size() + " rule(s): every tenant is on legacy, and moves take no"
                    + " effect. init does not turn it on, because its rules would then move the tenants they name:"
                    + " check them with 'flags-admin status', then turn the flag on in Unleash"));
        }
        if (findings.isEmpty()) {
            findings.add(Finding.ok("routing flag " + flag + " exists, on in " + target.environment() + " with "
                    + env.strategies().size() + " rule(s) the routers read; left as it is"));
        }
        return findings;
    }

    /** The first rule, then the switch: an environment turned on without strategies gets a 100 % one from Unleash. */
    private Finding complete(String flag, Target.FlagEnvironment env, String subject) {
        AdminApi api = target.api();
        if (!env.strategies().isEmpty()) {
            // Someone (or Unleash's default strategy) put rules there between the look and now: never turned on.
            return Finding.problem(subject + " has " + env.strategies().size() + " rule(s) init did not write; it is"
                    + " left off, because turning it on would move the tenants they name: check them with"
                    + " 'flags-admin status' or 'flags-admin doctor'");
        }
        Rule first = Rule.wave(FIRST_RULE, 0, FIRST_RULE, null)
                .stamped(new Stamp(
                        by, clock.instant(), "flags-admin init: an enabled flag needs a rule; this one moves nobody"));
        api.expect("POST", target.environmentOf(flag) + "/strategies", Strategies.write(first));
        // Read back before the switch: exactly the rule just written, or the flag stays off.
        Target.FlagEnvironment written = environmentOrFail(api.expect("GET", target.feature(flag), null));
        if (written.strategies().size() != 1) {
            return Finding.problem(subject + " has " + written.strategies().size() + " rule(s) after init wrote its"
                    + " one; it is left off, because turning it on would move the tenants the others name");
        }
        api.expect("POST", target.environmentOf(flag) + "/on", null);
        return Finding.created(subject + " on in " + target.environment() + " with rule " + FIRST_RULE
                + " (a 0 % wave: every tenant on legacy until a move names it)");
    }

    private Finding windowFlag() {
        AdminApi api = target.api();
        String window = target.windowFlag();
        AdminApi.Answer answer = api.send("GET", target.feature(window), null);
        if (answer.status() == 404) {
            create(
                    window,
                    "operational",
                    "Ferry's migration window: while on, router replicas that cannot confirm"
                            + " their flag state hold and refuse legacy-bound requests (docs/cutover.md)");
            return Finding.created("migration window flag " + window + ", off (the window closed; 'flags-admin window"
                    + " open' opens it)");
        }
        if (!answer.ok()) {
            api.expect("GET", target.feature(window), null);
        }
        boolean open = target.inEnvironment(answer.json())
                .map(Target.FlagEnvironment::enabled)
                .orElse(false);
        return Finding.ok("migration window flag " + window + " exists (the window is " + (open ? "open" : "closed")
                + "); left as it is");
    }

    private void create(String name, String type, String description) {
        target.api()
                .expect(
                        "POST",
                        target.projects(),
                        NODES.objectNode()
                                .put("name", name)
                                .put("type", type)
                                .put("description", description)
                                .put("impressionData", false));
    }

    private Target.FlagEnvironment environmentOrFail(JsonNode feature) {
        return target.inEnvironment(feature)
                .orElseThrow(() -> new BadInputException("flag " + target.flag() + " has no environment '"
                        + target.environment() + "' in project " + target.project() + " (expected: one of "
                        + String.join(", ", Target.environments(feature))
                        + "; enable the environment in the project)"));
    }
}
