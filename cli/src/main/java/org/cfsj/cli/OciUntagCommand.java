package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.OciImages;
import org.cfsj.repo.Repository;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj oci untag NAME…} (alias {@code rm}): removes names, never content. Each name is
 * handled on its own, as {@code podman rmi} does: one that cannot be removed is reported in one
 * line and the rest are still removed; the exit status is 1 if any failed.
 */
@Command(name = "untag", aliases = "rm", mixinStandardHelpOptions = true,
        description = {"Remove image names; 'cfsj gc' then reclaims what no name reaches.",
            "Each NAME is a tag as pulled; a NAME without a tag also tries NAME:latest. A manifest digest "
                + "sha256:<hex> removes every tag naming that manifest.",
            "Prints 'Untagged: NAME' for each name removed. Nothing else is deleted here: 'cfsj gc' removes "
                + "the images, layers and files no remaining name reaches.",
            "A NAME that names nothing is reported in one line and the other NAMEs are still removed; "
                + "the exit status is then 1."})
final class OciUntagCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    List<String> names;

    @Override
    public Integer call() throws IOException {
        Repository repo = RepoOption.open();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int status = 0;
        for (String name : names) {
            try {
                for (String removed : OciImages.untagAll(repo, name)) {
                    out.println("Untagged: " + removed);
                }
            } catch (IOException | IllegalArgumentException e) {
                out.flush();
                err.println("cfsj oci untag: " + Errors.message(e));
                err.flush();
                status = Errors.FAILED;
            }
        }
        out.flush();
        return status;
    }
}
