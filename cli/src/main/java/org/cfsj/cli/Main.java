package org.cfsj.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cfsj} command: wires subcommands, nothing else. */
@Command(
        name = "cfsj",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "composefs in Java: build, inspect and serve composefs EROFS images.",
        subcommands = {
            ComputeDigestCommand.class,
            MkcomposefsCommand.class,
            ComposefsInfoCommand.class,
            CreateDumpfileCommand.class,
            FuseServeCommand.class,
            UmountCommand.class,
            InitCommand.class,
            FsckCommand.class,
            GcCommand.class,
            ImagesCommand.class,
            OciCommand.class,
            AotTrainingCommand.class,
            ServeCommand.class,
            VarlinkCommand.class,
            HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Global: the repository directory, for every command that uses one (see {@link RepoOption}). */
    @CommandLine.Option(names = "--repo", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "Repository directory (default: $CFSJ_REPO, else /var/lib/cfsj for root, "
                    + "~/.local/share/cfsj otherwise).")
    void setRepo(java.nio.file.Path dir) {
        RepoOption.set(dir);
    }

    /** Global: how long to wait for the repository lock (see {@link RepoOption}). */
    @CommandLine.Option(names = "--lock-timeout", paramLabel = "SECONDS", scope = CommandLine.ScopeType.INHERIT,
            converter = RepoOption.LockTimeoutConverter.class,
            description = "Give up (exit 1) when the repository lock is not granted within SECONDS (e.g. 0, 2.5);"
                    + " default: wait as long as it takes. A wait of more than a second names the process"
                    + " holding the lock on stderr.")
    void setLockTimeout(java.time.Duration timeout) {
        RepoOption.setLockTimeout(timeout);
    }

    public static void main(String[] args) {
        // Threads other than this one (pull workers, FUSE workers) report an Error in one line too.
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> {
            try {
                Errors.internalError(t, new PrintWriter(System.err, true));
            } catch (Throwable ignored) { // nothing left to say it with
            }
        });
        org.cfsj.fuse.Log.routeSystemLoggers("cfsj: ");
        System.exit(run(args));
    }

    /**
     * Runs the CLI and returns its exit code (tests call this in-process). Whatever a command
     * throws ends as one line on stderr, never as a stack trace: exceptions through {@link Errors},
     * and anything picocli lets through (an {@link Error} such as a stack overflow) here.
     */
    public static int run(String... args) {
        RepoOption.reset();
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler(new OciSuggestion(cl.getParameterExceptionHandler()));
        try {
            return cl.execute(args);
        } catch (RuntimeException | Error t) {
            return Errors.internalError(t, cl.getErr());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /**
     * {@code cfsj --version}: the version and the git commit the jar was built from, both written
     * into {@code version.properties} by the build (cli/pom.xml). A value missing or left
     * unfilled means the build did not know it (built outside git): "commit unknown".
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            return new String[] {"cfsj " + current()};
        }

        /** This build's version and commit as {@code --version} shows them, without the leading "cfsj ". */
        static String current() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return text(p.getProperty("version"), p.getProperty("commit"));
        }

        static String line(String version, String commit) {
            return "cfsj " + text(version, commit);
        }

        private static String text(String version, String commit) {
            return (known(version) ? version : "development build") + " (commit " + (known(commit) ? commit : "unknown") + ")";
        }

        private static boolean known(String value) {
            return value != null && !value.isBlank() && !value.contains("${");
        }
    }
}
