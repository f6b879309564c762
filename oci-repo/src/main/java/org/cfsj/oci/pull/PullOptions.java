package org.cfsj.oci.pull;

import org.cfsj.oci.source.Platform;

/**
 * @param platform    which image of an index to take
 * @param name        the tag to store the image under, or null to store it untagged
 * @param createImage build the composefs image after storing ({@code --no-image} clears it)
 * @param parallelism how many layers download at once
 */
public record PullOptions(Platform platform, String name, boolean createImage, int parallelism) {
    public static final int DEFAULT_PARALLELISM = 3;

    public PullOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
    }
}
