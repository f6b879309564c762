package org.cfsj.oci.runtime;

import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Processes;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a container in the foreground: the runtime gets this process's stdin, stdout and stderr,
 * and SIGINT, SIGTERM and SIGHUP sent to this process are passed on to the runtime's PID (crun
 * and runc pass them on to the container's process). The JVM therefore does not exit on Ctrl-C
 * while a container runs: it waits for the container, so that the caller can clean up. A third
 * signal kills the runtime with SIGKILL.
 */
public final class ForegroundRun {
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");
    private static final int KILL_AFTER_SIGNALS = 3;

    private ForegroundRun() {}

    /** Whether stdin is a terminal: then the container gets one too ({@code process.terminal}). */
    public static boolean stdinIsTerminal() {
        return FileCalls.isatty(0);
    }

    /**
     * Runs {@code RUNTIME run --bundle DIR ID} and returns its exit status: the container's exit
     * status, as crun and runc report it.
     */
    public static int run(OciRuntime runtime, java.nio.file.Path bundle, String containerId) throws IOException {
        Process process = new ProcessBuilder(runtime.runCommand(bundle, containerId)).inheritIO().start();
        AtomicInteger signals = new AtomicInteger();
        Map<String, SignalHandler> previous = new HashMap<>();
        for (String name : FORWARDED) {
            Signal sig = new Signal(name);
            previous.put(name, Signal.handle(sig, s -> {
                if (!process.isAlive()) {
                    return;
                }
                if (signals.incrementAndGet() >= KILL_AFTER_SIGNALS) {
                    Processes.kill(process.pid(), Processes.SIGKILL);
                } else {
                    Processes.kill(process.pid(), s.getNumber());
                }
            }));
        }
        int status;
        try {
            status = waitUninterruptibly(process);
        } finally {
            previous.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
        }
        if (signals.get() >= KILL_AFTER_SIGNALS) {
            // the runtime died without tearing the container down: have it do that now
            deleteQuietly(runtime, containerId);
        }
        return status;
    }

    private static int waitUninterruptibly(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code RUNTIME delete --force ID}, output discarded: best effort after the runtime was killed. */
    public static void deleteQuietly(OciRuntime runtime, String containerId) {
        try {
            Process p = new ProcessBuilder(runtime.deleteCommand(containerId))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // nothing more to do: the container was never created or is gone already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
