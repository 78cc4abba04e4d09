/**
 * The agent pool: one process's agents, which claim ready nodes from a
 * {@link io.adagio.core.repository.Repository}, execute them with their
 * {@linkplain io.adagio.agent.runtime runtimes} and record the results. See
 * {@link io.adagio.agent.AgentPool}.
 */
package io.adagio.agent;
