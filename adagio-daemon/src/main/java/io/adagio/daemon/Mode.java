package io.adagio.daemon;

/** What one adagiod process runs: both halves (no subcommand), only the API, or only the agent pool. */
public enum Mode {
    ALL,
    API,
    AGENT;

    public boolean runsApi() {
        return this != AGENT;
    }

    public boolean runsAgents() {
        return this != API;
    }
}
