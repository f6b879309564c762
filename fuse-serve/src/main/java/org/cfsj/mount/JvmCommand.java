package org.cfsj.mount;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts another JVM like the running one: the same java binary
 * ({@code java.home}), the same JVM options (heap, native access, AOT cache, ...), the same class
 * path (the cfsj jar when run from the launcher), and a main class of the caller's choosing.
 * A server started this way runs the very code that started it, whatever launched that.
 */
final class JvmCommand {
    private JvmCommand() {}

    /** {@code java [JVM options] -cp CLASSPATH MAIN ARGS...} */
    static List<String> forMain(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }
}
