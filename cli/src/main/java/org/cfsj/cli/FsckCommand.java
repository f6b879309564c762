package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cfsj.repo.Fsck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cfsj fsck}: recomputes every object's digest and checks every link, ref and reference. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = "Check the repository: object digests, stream and image links, refs, references.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the repository is clean", "1:damage was found (or the check failed)"})
final class FsckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Hashing threads (0: one per processor).")
    int threads;

    @Override
    public Integer call() throws IOException {
        Fsck.Report r = Fsck.run(RepoOption.open(), threads);
        PrintWriter out = spec.commandLine().getOut();
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
            spec.commandLine().getErr().println("cfsj fsck: the repository is damaged");
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }
}
