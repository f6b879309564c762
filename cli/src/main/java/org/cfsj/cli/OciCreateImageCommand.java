package org.cfsj.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.repo.ObjectId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cfsj oci create-image NAME}: builds the composefs image of a stored OCI image. */
@Command(name = "create-image", mixinStandardHelpOptions = true,
        description = {"Merge the image's layers and write its composefs image; print the image id.",
            "The id is the image's fs-verity digest: the same layers give the same id anywhere."})
final class OciCreateImageCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Tag or manifest digest (sha256:…).")
    String name;

    @Override
    public Integer call() throws IOException {
        ObjectId id = ImageBuilder.createImage(RepoOption.open(), name);
        spec.commandLine().getOut().println(id.hex());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
