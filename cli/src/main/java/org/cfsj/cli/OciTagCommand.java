package org.cfsj.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.repo.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj oci tag IMAGE NAME…}: more names for an image already in the repository, as
 * {@code podman tag} gives them (and the service's {@code Tag}); prints nothing. A name that
 * names another image moves to this one.
 */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = {"Add names to an image in the repository (as podman tag does); prints nothing.",
            "A NAME that already names another image now names this one; 'cfsj oci untag' removes names."})
final class OciTagCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "A name the image has, or its manifest digest (sha256:…).")
    String image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME", description = "The new names.")
    List<String> names;

    @Override
    public Integer call() throws IOException {
        Repository repo = RepoOption.open();
        OciImage source = OciImages.resolve(repo, image);
        for (String name : names) {
            OciImages.tag(repo, name, source.manifestDigest());
        }
        return 0;
    }
}
