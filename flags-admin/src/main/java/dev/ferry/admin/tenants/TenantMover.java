package dev.ferry.admin.tenants;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The "move tenant" operation both front ends call: status, where one tenant goes and since when, and changes, each
 * planned in full before anything is written, checked by the one-way guard, and written only over the state it was
 * planned on. When someone else changed the flag in between, the change is planned again on the fresh state (the
 * guard looks again too); after {@code attempts} such conflicts it gives up with nothing of it written over theirs.
 */
public final class TenantMover {
    private final MigrationStore store;
    private final Clock clock;
    private final Progress progress;
    private final int attempts;

    public TenantMover(MigrationStore store, Clock clock, Progress progress) {
        this(store, clock, progress, 5);
    }

    public TenantMover(MigrationStore store, Clock clock, Progress progress, int attempts) {
        this.store = store;
        this.clock = clock;
        this.progress = progress;
        this.attempts = attempts;
    }

    public Status status() {
        return Status.of(store.read().migration(), store.describe(), clock.instant());
    }

    /**
     * Where a tenant goes now and why, where it will go once scheduled starts pass, and the change that put it there.
     *
     * @param now where it goes now
     * @param later where it goes once every scheduled start has passed (the same when nothing is scheduled for it)
     * @param since the latest change that moved it to its backend, or null when none did (legacy from the start)
     */
    public record Explanation(
            String tenant, String source, Migration migration, Placement now, Placement later, HistoryEntry since) {}

    public Explanation show(String tenant) {
        Migration m = store.read().migration();
        Instant now = clock.instant();
        Placement placement = m.place(tenant, now);
        HistoryEntry since = null;
        String wave = placement.rule() != null && placement.rule().kind() == Rule.Kind.WAVE ? placement.ruleName() : "";
        for (HistoryEntry entry : store.history(progress)) {
            if (entry.moved(tenant, placement.backend(), wave)
                    && (entry.at() == null || !entry.at().isAfter(now))) {
                since = entry;
            }
        }
        progress.done();
        return new Explanation(tenant, store.describe(), m, placement, m.place(tenant, Migration.EVENTUALLY), since);
    }

    public List<HistoryEntry> history() {
        List<HistoryEntry> entries = store.history(progress);
        progress.done();
        return entries;
    }

    /** The history entries that moved {@code tenant} (every entry when null), oldest first. */
    public List<HistoryEntry> history(String tenant) {
        List<HistoryEntry> entries = new ArrayList<>();
        for (HistoryEntry entry : history()) {
            if (tenant == null || entry.moved(tenant, Backend.NEW, null) || entry.moved(tenant, Backend.LEGACY, null)) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The last {@code n} of {@code entries}. */
    public static List<HistoryEntry> last(List<HistoryEntry> entries, int n) {
        return entries.size() > n ? entries.subList(entries.size() - n, entries.size()) : entries;
    }

    /** The tenants the shadow flag lists ({@link MigrationStore#shadowed}). */
    public Set<String> shadowed(String shadowFlag) {
        return store.shadowed(shadowFlag);
    }

    /**
     * Shadows {@code on} and stops shadowing {@code off} ({@link MigrationStore#shadow}), again on the fresh list when
     * another operator changed it meanwhile; the tenants after.
     */
    public Set<String> shadow(String shadowFlag, Set<String> on, Set<String> off) {
        ConflictException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                return store.shadow(shadowFlag, on, off);
            } catch (ConflictException e) {
                last = e; // read afresh and write again: adding and taking out tenants is the same on any list
            }
        }
        throw new ConflictException("shadow flag " + shadowFlag + " changed under this change "
                + Text.count(attempts, "time") + " in a row (" + last.getMessage() + "); look at 'shadow show' and"
                + " run it again");
    }

    /** Where the flags live, for messages. */
    public String source() {
        return store.describe();
    }

    /** The plan of a change, without writing anything. */
    public Plan plan(Change change, Operator operator) {
        return plan(store.read().migration(), change, operator, clock.instant());
    }

    /**
     * Plans the change and, unless the guard refuses it, writes it. On a conflict (the flag changed before the write,
     * or a concurrent write replaced this one) it plans again on the fresh state: a change already in place then plans
     * as nothing to write, and a lost one is written again.
     *
     * @throws ConflictException when the flag kept changing under it ({@code attempts} times)
     */
    public Plan apply(Change change, Operator operator) {
        return apply(change, operator, null);
    }

    /**
     * Applies the change only if the migration is still at {@code expectedRevision}, the revision of the plan the
     * operator saw ("apply exactly the plan I saw"): otherwise nothing is written and the change is planned again on
     * the fresh state, for the operator to look at. A conflict while writing is then not planned again and written, but
     * refused the same way.
     *
     * @param expectedRevision the revision the approved plan was made on ({@link Migration#revision()}); null
     *     applies the change to whatever the migration is when it is written, like {@link #apply(Change, Operator)}
     * @throws StalePlanException when the migration is no longer at {@code expectedRevision}
     */
    public Plan apply(Change change, Operator operator, String expectedRevision) {
        ConflictException last = null;
        Plan written = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            MigrationStore.Snapshot snapshot = store.read();
            Instant now = clock.instant();
            Plan plan = plan(snapshot.migration(), change, operator, now);
            if (written != null && !plan.writes()) {
                progress.done();
                return written.withNote("a concurrent change was written right after this one (" + last.getMessage()
                        + "); this change is in place");
            }
            if (expectedRevision != null
                    && !expectedRevision.equals(snapshot.migration().revision())) {
                progress.done();
                throw new StalePlanException(expectedRevision, plan);
            }
            if (last != null) {
                plan = plan.withNote("the flag changed while this change was being written (" + last.getMessage()
                        + "); it was planned again on the fresh state");
            }
            if (plan.refused() || !plan.writes()) {
                progress.done();
                return plan;
            }
            progress.step("writing: " + plan.operation(), 0, 0);
            try {
                Stamp stamp = new Stamp(operator.name(), now, operator.reason());
                String revision = store.write(snapshot, plan.after(), HistoryEntry.of(plan, stamp), progress);
                progress.done();
                return plan.written(revision);
            } catch (ConflictException e) {
                last = e;
                if (e.written() && written == null) {
                    written = plan.written(e.writtenRevision());
                }
            }
        }
        progress.done();
        throw new ConflictException("the flag changed under this change " + Text.count(attempts, "time") + " in a row ("
                + last.getMessage() + "); "
                + (written == null ? "nothing of it was written over the other changes" : "part of it may be written")
                + ". Look at 'status' and 'history', then run it again");
    }

    static Plan plan(Migration before, Change change, Operator operator, Instant now) {
        List<String> unsupported = before.unsupported();
        if (!unsupported.isEmpty()) {
            throw new BadInputException("flag " + before.flag() + " has rules flags-admin cannot evaluate, so it cannot"
                    + " say which tenants a change would move:\n  " + String.join("\n  ", unsupported)
                    + "\n(expected: the rules of docs/flag-model.md; change those in Unleash or the flags file)");
        }
        Migration after = change.apply(before, now);
        if (after.enabled() && withoutRules(after) && !withoutRules(before)) {
            throw new BadInputException("this change would leave flag " + before.flag() + " without rules, and Unleash"
                    + " sends every tenant to new when a flag is on without strategies (expected: a change that keeps a"
                    + " rule; pin a tenant first, or turn the flag off in Unleash)");
        }
        String operation = change.describe() + (operator.breakGlass() ? " --break-glass" : "");
        List<String> notes = new ArrayList<>();
        Plan first = Plan.of(operation, before, after, change.tenants(), now, operator.breakGlass(), notes);
        if (operator.breakGlass() && !first.refusals().isEmpty()) {
            Set<String> back = new LinkedHashSet<>();
            for (Plan.Refusal refusal : first.refusals()) {
                for (String tenant : refusal.tenants()) {
                    if (!after.place(tenant, now).deliberate()) {
                        back.add(tenant);
                    }
                }
                if (refusal.tenants().isEmpty()) {
                    notes.add("break-glass on a wave: its tenants are not known by name, so they go back without the"
                            + " moved-back marker, and routers hold those they have seen on new (flip_back_refused)."
                            + " Name them with 'move TENANT... --to legacy --break-glass' to send them back");
                }
            }
            after = Changes.movedBack(after, back);
        }
        after = stamped(before, after, new Stamp(operator.name(), now, operator.reason()));
        return Plan.of(operation, before, after, change.tenants(), now, operator.breakGlass(), notes);
    }

    private static boolean withoutRules(Migration m) {
        return m.rules().stream().allMatch(Rule::disabled);
    }

    /** Every rule the change touches says who changed it, when and why; a moved-back rule keeps its reason. */
    private static Migration stamped(Migration before, Migration after, Stamp stamp) {
        List<Rule> rules = new ArrayList<>();
        for (Rule rule : after.rules()) {
            Rule was = before.rules().stream()
                    .filter(r -> r.name().equals(rule.name()))
                    .findFirst()
                    .orElse(null);
            if (was != null && rule.sameRouting(was)) {
                rules.add(rule);
                continue;
            }
            String reason = stamp.reason() != null || !rule.deliberate()
                    ? stamp.reason()
                    : rule.stamp().reason();
            rules.add(rule.stamped(new Stamp(stamp.by(), stamp.at(), reason)));
        }
        return after.withRules(rules);
    }
}
