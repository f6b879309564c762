package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.ImageSummary;
import org.cfsj.oci.image.OciImages;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cfsj oci images}: tagged OCI images with their composefs image id. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List OCI images by tag: image id (composefs), download size, creation time.")
final class OciImagesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        var images = OciImages.list(RepoOption.open());
        int width = Math.max(4, images.stream().mapToInt(i -> i.name().length()).max().orElse(4));
        out.printf("%-" + width + "s  %-64s  %10s  %s%n", "NAME", "IMAGE ID", "SIZE", "CREATED");
        for (ImageSummary s : images) {
            out.printf("%-" + width + "s  %-64s  %10s  %s%n", s.name(),
                    s.imageId().map(id -> id.hex()).orElse("(not built)"), RepoOption.humanSize(s.size()), s.created());
        }
        out.flush();
        return 0;
    }
}
