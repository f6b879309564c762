package org.cfsj.oci;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cfsj.oci.image.OciImage;
import org.cfsj.oci.image.OciImages;
import org.cfsj.oci.layer.LayerImporter;
import org.cfsj.repo.Repository;

/** Stores test images: imports the layer tars, writes a config and manifest, tags them. */
public final class TestImages {
    private TestImages() {}

    public static OciImage store(Repository repo, String tag, List<byte[]> layers) throws IOException {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerDescs = new StringBuilder();
        for (byte[] tar : layers) {
            String d = TestTar.diffId(tar);
            LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), d);
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(d).append('"');
            layerDescs.append(layerDescs.isEmpty() ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"").append(d)
                    .append("\",\"size\":").append(tar.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + TestTar.diffId(config) + "\",\"size\":" + config.length + "},\"layers\":[" + layerDescs + "]}")
                .getBytes(StandardCharsets.UTF_8);
        return OciImages.store(repo, manifest, config, tag);
    }
}
