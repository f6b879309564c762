package org.cfsj.oci.source;

import java.io.IOException;
import java.io.InputStream;

/** Files of an OCI image layout, wherever they live (a directory or a tar archive). */
interface LayoutStore extends AutoCloseable {
    /** Opens a file by its path inside the layout ({@code index.json}, {@code blobs/sha256/HEX}). */
    InputStream open(String path) throws IOException;

    @Override
    void close() throws IOException;
}
