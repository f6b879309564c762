package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.oci.image.ImageBuilder;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.runtime.ContainerSettings;
import org.cfsj.oci.runtime.ImageProcess;
import org.cfsj.oci.runtime.Network;
import org.cfsj.oci.runtime.RuntimeConfig;
import org.cfsj.oci.runtime.UserDatabase;
import org.cfsj.repo.Repository;

/**
 * An OCI image of the repository named on the command line, with its composefs image file: what
 * {@code cfsj oci mount}, {@code oci bundle} and {@code oci run} mount. The image file is built
 * first if the image has none yet, and it was checked as every object is read (no symlink
 * followed inside {@code objects/}, content against its name) before its path goes to a mount.
 */
record StoredImage(String name, OciImage image, Path imageFile) {
    /** The image {@code name} (a tag or manifest digest) of {@code repo}. */
    static StoredImage resolve(Repository repo, String name) throws IOException {
        OciImage image = OciImages.resolve(repo, name);
        return new StoredImage(name, image, ImageBuilder.imageFile(repo, image, name));
    }

    /**
     * Writes {@code bundle/config.json} for this image, whose root filesystem is mounted read-only
     * at {@code bundle/rootfs} (its {@code /etc/passwd} and {@code /etc/group} are read from there).
     *
     * @return what the user should know about the configuration (settings of the image that were left out)
     */
    List<String> writeRuntimeConfig(Path bundle, List<String> command, boolean terminal, Network network, String hostname)
            throws IOException {
        return writeRuntimeConfig(bundle, command, terminal, network, hostname, true);
    }

    /** {@link #writeRuntimeConfig(Path, List, boolean, Network, String)} for a read-only or a writable root. */
    List<String> writeRuntimeConfig(Path bundle, List<String> command, boolean terminal, Network network, String hostname,
            boolean readOnlyRoot) throws IOException {
        Path rootfs = bundle.resolve("rootfs");
        ImageProcess process = ImageProcess.fromImageConfig(image.config());
        ContainerSettings settings = ContainerSettings.forImage(process, UserDatabase.read(rootfs), command, terminal,
                network, hostname);
        RuntimeConfig config = RuntimeConfig.build(settings, rootfs, readOnlyRoot);
        config.write(bundle);
        return config.warnings();
    }
}
