package io.adagio.daemon;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * Handles a POSIX signal with {@code sun.misc.Signal}, the JDK's only way to do so. It is reached
 * reflectively so that the build can treat every compiler warning as an error: javac's warning about
 * internal API cannot be suppressed any other way.
 */
final class Signals {
    private Signals() {}

    /**
     * Calls {@code handler} with the signal's name ("TERM") each time the process receives it.
     *
     * @throws IllegalArgumentException if this platform or JVM does not let the signal be handled
     */
    static void handle(String name, Consumer<String> handler) {
        try {
            var signalClass = Class.forName("sun.misc.Signal");
            var handlerClass = Class.forName("sun.misc.SignalHandler");
            var signal = signalClass.getConstructor(String.class).newInstance(name);
            InvocationHandler call = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    handler.accept((String) signalClass.getMethod("getName").invoke(args[0]));
                    yield null;
                }
                case "toString" -> "handler of SIG" + name;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            };
            var proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, call);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException refused) {
                throw refused;
            }
            throw new IllegalArgumentException("cannot handle SIG" + name + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot handle SIG" + name + ": " + e, e);
        }
    }
}
