package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cfsj.repo.maintenance.GarbageCollector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code cfsj gc}: removes objects, streams and images that no ref reaches. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Remove everything no ref (tag or image ref) reaches.")
final class GcCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-n", "--dry-run"}, description = "Only list what would be removed.")
    boolean dryRun;

    @Option(names = {"-v", "--verbose"}, description = "List every removed object and link.")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        GarbageCollector.Report r = GarbageCollector.run(RepoOption.open(), dryRun);
        PrintWriter out = spec.commandLine().getOut();
        if (verbose || dryRun) {
            r.removed().forEach(out::println);
        }
        out.println((dryRun ? "would remove " : "removed ") + r.objectsRemoved() + " objects ("
                + RepoOption.humanSize(r.bytesFreed()) + ") and " + r.linksRemoved() + " links; "
                + r.objectsKept() + " objects in use");
        out.flush();
        return 0;
    }
}
