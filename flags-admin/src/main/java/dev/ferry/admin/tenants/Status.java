package dev.ferry.admin.tenants;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The migration at a glance: each rule with how many of its listed tenants it decides (an earlier rule may decide
 * some), and how many listed tenants are on each backend.
 *
 * @param migration as read
 * @param source where it was read from
 * @param now the time the tenants were evaluated at
 * @param rules each rule, in order
 * @param listedOnNew listed tenants the flag sends to new now
 * @param listedOnLegacy listed tenants the flag keeps on legacy now
 */
public record Status(
        Migration migration, String source, Instant now, List<RuleStatus> rules, int listedOnNew, int listedOnLegacy) {

    /**
     * @param position from 1
     * @param decides listed tenants this rule decides now (a wave: those of the listed ones it takes)
     */
    public record RuleStatus(int position, Rule rule, int decides) {}

    static Status of(Migration m, String source, Instant now) {
        Map<Rule, Integer> decides = new IdentityHashMap<>();
        int onNew = 0;
        int onLegacy = 0;
        for (String tenant : m.listedTenants()) {
            Placement p = m.place(tenant, now);
            if (p.rule() != null) {
                decides.merge(p.rule(), 1, Integer::sum);
            }
            if (p.backend() == Backend.NEW) {
                onNew++;
            } else {
                onLegacy++;
            }
        }
        List<RuleStatus> rules = new ArrayList<>();
        for (int i = 0; i < m.rules().size(); i++) {
            Rule rule = m.rules().get(i);
            rules.add(new RuleStatus(i + 1, rule, decides.getOrDefault(rule, 0)));
        }
        return new Status(m, source, now, rules, onNew, onLegacy);
    }
}
