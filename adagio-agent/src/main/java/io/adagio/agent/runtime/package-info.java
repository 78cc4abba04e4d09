/**
 * The runtime SPI: how an agent performs a node's work.
 *
 * <p>A runtime is a {@link io.adagio.agent.runtime.Runtime}: a name, the
 * {@link io.adagio.agent.runtime.Argument arguments} it reads, and a factory of
 * {@link io.adagio.agent.runtime.NodeFunction functions}, one per attempt. The agent reads the
 * arguments from the node (metadata {@code adagio.arguments.<runtime>.<name>}, its older spelling
 * {@code adagio.runtime.<runtime>.<name>}, or an upstream node's output named by
 * {@code adagio.inputs.<runtime>.<name>}) and turns every problem into an {@code ERROR} attempt
 * naming the argument, so a runtime only does its work:
 *
 * <pre>{@code
 * public final class GreetRuntime implements Runtime {
 *     static final Argument<String> WHO = Argument.string("who").required();
 *
 *     public String name() { return "greet"; }
 *     public List<Argument<?>> arguments() { return List.of(WHO); }
 *     public NodeFunction create(Arguments args) {
 *         var who = args.get(WHO);
 *         return context -> Result.success("hello " + who);
 *     }
 * }
 * }</pre>
 *
 * <p>List the class in {@code META-INF/services/io.adagio.agent.runtime.Runtime} and put its jar on
 * the agent's class path, or register it in code with
 * {@code AgentPool.builder().runtime(new GreetRuntime())}. An agent offers only some of them with
 * {@code AgentPool.builder().runtimes(RuntimeRegistry.discover().only("debug"))}: nodes of the others
 * wait for an agent that offers their runtime. The built-in runtimes are
 * {@link io.adagio.agent.runtime.debug.DebugRuntime debug} and
 * {@link io.adagio.agent.runtime.exec.ExecRuntime exec}.
 */
package io.adagio.agent.runtime;
