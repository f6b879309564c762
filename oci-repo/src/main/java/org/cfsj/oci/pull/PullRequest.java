package org.cfsj.oci.pull;

import java.io.IOException;
import org.cfsj.oci.source.ImageSource;
import org.cfsj.oci.source.ImageSources;
import org.cfsj.oci.source.Platform;
import org.cfsj.oci.source.SourceOptions;
import org.cfsj.repo.Repository;

/**
 * One pull as a front end asks for it ({@code cfsj oci pull}, the service's {@code Pull}): where
 * from, under which name, for which platform; {@link #run} opens the source and pulls, so every
 * front end pulls the same way.
 *
 * @param source      where the image comes from
 * @param name        the tag to store it under, or null for the source's own name
 * @param platform    which image of a multi-platform index
 * @param createImage build the composefs image too
 * @param jobs        layers downloaded at once
 * @param options     TLS, credentials and where the source's warnings go
 */
public record PullRequest(ImageSources.Spec source, String name, Platform platform, boolean createImage, int jobs,
        SourceOptions options) {
    /** The tag the image is stored under. */
    public String tag() {
        return name != null ? name : source.defaultName();
    }

    public PullResult run(Repository repo, PullProgress progress) throws IOException {
        try (ImageSource src = ImageSources.open(source, options)) {
            return new Puller(repo, progress).pull(src, new PullOptions(platform, tag(), createImage, jobs));
        }
    }
}
