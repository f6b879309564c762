package org.cfsj.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real {@code cfsj} command as a user runs it: the packaged CLI jar
 * ({@code cli/target/cfsj.jar}) in a JVM of its own, on the same JDK as the tests. In the Maven
 * reactor the cli module is packaged before the integration tests run ({@code verify}), so the jar
 * exists; surefire names the repository root in the system property {@code cfsj.root.dir}.
 */
public final class Cfsj {
    private Cfsj() {}

    /** The packaged CLI; fails if the build has not made it. */
    public static Path jar() {
        String root = System.getProperty("cfsj.root.dir");
        if (root == null) {
            throw new IllegalStateException("system property cfsj.root.dir is not set (surefire sets it to the repository root)");
        }
        Path jar = Path.of(root, "cli", "target", "cfsj.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the cli module first (mvn -pl cli -am package)");
        }
        return jar;
    }

    /** The java binary of this JVM. */
    public static String java() {
        return ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell this JVM's java binary"));
    }

    /** {@code java [JVM_OPTIONS...] -jar cfsj.jar ARGS...}. */
    public static List<String> argv(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** {@code java -jar cfsj.jar ARGS...}. */
    public static List<String> argv(List<String> args) {
        return argv(List.of(), args);
    }

    /** {@code cfsj ARGS...}, to be given a timeout, stdin, user, ... and run. */
    public static Command command(String... args) {
        return Command.of(argv(List.of(), List.of(args)));
    }

    /** {@code cfsj ARGS...}, to be given a timeout, stdin, user, ... and run. */
    public static Command command(List<String> args) {
        return Command.of(argv(List.of(), args));
    }

    /** Runs {@code cfsj ARGS...} to completion (at most {@link Command#DEFAULT_TIMEOUT}). */
    public static Result run(String... args) throws java.io.IOException, InterruptedException {
        return command(args).run();
    }
}
