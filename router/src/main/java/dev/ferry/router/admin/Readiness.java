package dev.ferry.router.admin;

import dev.ferry.router.routing.UnleashRoutingPolicy;

/** Ready means: a usable flag state is loaded, and the router is not shutting down. */
public final class Readiness {
    private final UnleashRoutingPolicy routing;
    private volatile boolean shuttingDown;

    public Readiness(UnleashRoutingPolicy routing) {
        this.routing = routing;
    }

    /** @return null when ready, else why not */
    public String whyNotReady() {
        if (shuttingDown) {
            return "shutting down";
        }
        if (!routing.routable()) {
            // Nothing loaded has no origin to name (the status says "none").
            return routing.status().loaded()
                    ? "routing unknown: " + routing.status().origin() + " flag state lacks flag '"
                            + routing.status().flag() + "'"
                    : "routing unknown: flag state not loaded yet";
        }
        return null;
    }

    public boolean ready() {
        return whyNotReady() == null;
    }

    public void shuttingDown() {
        shuttingDown = true;
    }
}
