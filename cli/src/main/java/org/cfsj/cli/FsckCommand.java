package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cfsj.repo.maintenance.Fsck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code cfsj fsck}: checks that the repository is private, recomputes every object's digest
 * and checks every link, ref and reference. {@code --repair} does the one repair that loses
 * nothing: a top directory other users may enter is made 0700.
 */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = {"Check the repository: owner-only access, object digests, links, refs, references.",
            "The repository's top directory must be yours and mode 0700 (other users could otherwise read",
            "every image); --repair sets the mode, and changes nothing else."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the repository is clean (after --repair's change, if any)",
            "1:damage was found (or the check failed)"})
final class FsckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Hashing threads (0: one per processor).")
    int threads;

    @Option(names = "--repair",
            description = "Make a repository that other users can enter private again (mode 0700), as an older"
                    + " cfsj left it. Nothing else is changed: damaged content is only reported.")
    boolean repair;

    @Override
    public Integer call() throws IOException {
        Fsck.Report r = Fsck.run(RepoOption.openQuietly(), threads, repair);
        PrintWriter out = spec.commandLine().getOut();
        for (String p : r.repaired()) {
            out.println("repaired: " + p);
        }
        for (String p : r.problems()) {
            out.println(p);
        }
        out.println(r.objectsChecked() + " objects checked, " + r.corrupt().size() + " corrupt, " + r.missing().size()
                + " missing, " + r.problems().size() + " problems");
        if (!r.kernelVerity()) {
            out.println("note: the repository is not protected by kernel fs-verity (the filesystem or kernel lacks it);"
                    + " object content is verified only by fsck and by cfsj's readers");
        }
        out.flush();
        if (!r.clean()) {
            boolean damaged = r.problems().size() > r.accessProblems();
            spec.commandLine().getErr().println(damaged ? "cfsj fsck: the repository is damaged"
                    : "cfsj fsck: the repository is not private (see above; --repair fixes it)");
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }
}
