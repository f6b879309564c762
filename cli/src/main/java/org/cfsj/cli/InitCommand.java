package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import org.cfsj.repo.Repository;
import org.cfsj.verity.VerityAlgorithm;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cfsj init}: creates the repository (or confirms an existing one), its top directory
 * the caller's alone (0700). On an existing repository it reports a looser mode; it does not
 * change it ({@code fsck --repair} does).
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create a cfsj repository at --repo (or $CFSJ_REPO, or the default location).",
            "The repository's top directory is made mode 0700 and must be yours: other users cannot read the images "
                    + "in it. On an existing repository whose mode lets others in, init says so (exit 0); "
                    + "'cfsj fsck --repair' makes it 0700.",
            "Objects are named by their fs-verity digest under --algorithm, which the repository records as "
                    + "composefs-rs records it. The default, fsverity-sha256-12, is what C mkcomposefs writes; "
                    + "fsverity-sha512-12 is composefs-rs's default since 0.9. Every later command takes the "
                    + "algorithm from the repository."})
final class InitCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--algorithm", paramLabel = "ALG", converter = VerityAlgorithmConverter.class,
            description = "fs-verity algorithm objects are named by: fsverity-sha256-12 (the default, as C "
                    + "mkcomposefs writes) or fsverity-sha512-12 (composefs-rs's default). An existing "
                    + "repository must already have it.")
    VerityAlgorithm algorithm;

    @Override
    public Integer call() throws IOException {
        var location = RepoOption.location();
        boolean existed = Files.exists(location.resolve("meta.json"));
        Repository repo = Repository.init(location, algorithm);
        PrintWriter out = spec.commandLine().getOut();
        out.println((existed ? "Repository already initialized at " : "Initialized cfsj repository at ") + repo.root()
                + " (" + repo.meta().algorithm().repoName() + ")");
        if (!repo.kernelVerity()) {
            out.println("note: this filesystem has no kernel fs-verity; objects are checked in user space only");
        }
        out.flush();
        String loose = repo.access().looseMode();
        if (loose != null) {
            spec.commandLine().getErr().println("cfsj init: warning: " + loose);
            spec.commandLine().getErr().flush();
        }
        return 0;
    }
}
