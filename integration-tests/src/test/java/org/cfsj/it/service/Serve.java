package org.cfsj.it.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cfsj.testsupport.Cfsj;

/**
 * A {@code cfsj serve} process for a test: started on {@code socket} for {@code repo} with its
 * output appended to {@code log}, returned once GetInfo is answered; {@link #close()} stops it
 * with SIGTERM (SIGKILL after 30 s).
 */
final class Serve implements AutoCloseable {
    final Process process;

    private Serve(Process process) {
        this.process = process;
    }

    static Serve start(Path repo, Path socket, Path log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--repo", repo.toString(), "serve", "--socket", socket.toString()));
        args.addAll(List.of(extra));
        Process p = new ProcessBuilder(Cfsj.argv(args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (RawVarlink c = RawVarlink.connect(socket)) {
                c.call("org.varlink.service.GetInfo", "{}");
                return new Serve(p);
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError("cfsj serve did not come up: " + Files.readString(log), e);
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
