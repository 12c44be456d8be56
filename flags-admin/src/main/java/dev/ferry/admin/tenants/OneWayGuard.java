package dev.ferry.admin.tenants;

import dev.ferry.admin.tenants.Plan.Refusal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one-way guard: data is replicated from legacy to new only, so a change that would send a tenant from new back to
 * legacy is refused unless the operator breaks the glass with a reason. It compares the migration before and after a
 * change, so it catches a move back however it would come about: a tenant removed from a list, pinned, moved back; a
 * wave lowered, delayed, removed, or re-hashed by a new groupId.
 */
public final class OneWayGuard {
    /** Why, said once under the refusals. */
    public static final String WHY = "Data is replicated one way only, from legacy to new: once a tenant is on new,"
            + " legacy holds stale data for it, and sending it back would lose what it wrote on new. To do it anyway"
            + " (a data repair, say), run again with --break-glass --reason \"...\": the tenants are then written to"
            + " the moved-back rule, marked \"deliberate\": true with your reason, name and time, the only marker with"
            + " which the router lets a tenant go back to legacy.";

    private OneWayGuard() {}

    static List<Refusal> check(Migration before, Migration after, Set<String> tenants, Instant now) {
        List<String> removed = new ArrayList<>();
        List<String> back = new ArrayList<>();
        for (String tenant : tenants) {
            Placement b = before.place(tenant, now);
            if (b.backend() != Backend.NEW) {
                continue;
            }
            Placement a = after.place(tenant, now);
            Placement later = after.place(tenant, Migration.EVENTUALLY);
            if (a.backend() == Backend.LEGACY || later.backend() == Backend.LEGACY) {
                (removedFromList(before, after, tenant, b) ? removed : back).add(tenant);
            }
        }
        List<Refusal> refusals = new ArrayList<>();
        if (!removed.isEmpty()) {
            refusals.add(new Refusal(
                    Refusal.Kind.LIST_REMOVAL,
                    removed,
                    "removing " + Text.names(removed, 10) + " from the list that routes "
                            + (removed.size() == 1 ? "it" : "them") + " to new would send "
                            + (removed.size() == 1 ? "it" : "them") + " back to legacy"));
        }
        if (!back.isEmpty()) {
            refusals.add(new Refusal(
                    Refusal.Kind.MOVE_BACK,
                    back,
                    Text.names(back, 10) + (back.size() == 1 ? " is" : " are")
                            + " on new and would go back to legacy"));
        }
        checkWaves(before, after, now, refusals);
        return refusals;
    }

    private static boolean removedFromList(Migration before, Migration after, String tenant, Placement b) {
        Rule deciding = b.rule();
        if (deciding == null || deciding.tenants() == null) {
            return false;
        }
        return after.rules().stream()
                .filter(r -> r.name().equals(deciding.name()))
                .noneMatch(r -> r.tenants() != null && r.tenants().contains(tenant));
    }

    /** Waves: their tenants are not known by name, so the rule itself must only ever grow. */
    private static void checkWaves(Migration before, Migration after, Instant now, List<Refusal> refusals) {
        if (!before.enabled()) {
            return;
        }
        for (Rule wave : before.rules()) {
            if (wave.kind() != Rule.Kind.WAVE || wave.disabled() || wave.percent() == 0) {
                continue;
            }
            Rule next = after.rules().stream()
                    .filter(r -> r.name().equals(wave.name()) && !r.disabled())
                    .findFirst()
                    .orElse(null);
            String name = "wave " + wave.name();
            if (next == null || next.backend() != Backend.NEW || next.tenants() != null) {
                refusals.add(new Refusal(
                        Refusal.Kind.WAVE_REMOVED,
                        List.of(),
                        "removing " + name + " (" + wave.percent() + " %) would send its tenants back to legacy"));
                continue;
            }
            if (next.percent() < wave.percent()) {
                refusals.add(new Refusal(
                        Refusal.Kind.WAVE_LOWERED,
                        List.of(),
                        "lowering " + name + " from " + wave.percent() + " % to " + next.percent()
                                + " % would send the tenants hashed to " + (next.percent() + 1) + "-" + wave.percent()
                                + " back to legacy"));
            }
            if (!next.groupId().equals(wave.groupId()) && wave.percent() < 100) {
                refusals.add(new Refusal(
                        Refusal.Kind.WAVE_GROUP_CHANGED,
                        List.of(),
                        "changing the groupId of " + name + " from " + wave.groupId() + " to " + next.groupId()
                                + " would hash every tenant anew: about "
                                + (100 - Math.min(wave.percent(), next.percent()))
                                + " % of the tenants it has on new would go back to legacy"));
            }
            boolean startedBefore = wave.startsAt() == null || now.isAfter(wave.startsAt());
            boolean startedAfter = next.startsAt() == null || now.isAfter(next.startsAt());
            if (startedBefore && !startedAfter) {
                refusals.add(new Refusal(
                        Refusal.Kind.WAVE_DELAYED,
                        List.of(),
                        "moving the start of " + name + " to " + next.startsAt()
                                + " would send its tenants back to legacy until then"));
            }
        }
    }
}
