package org.cfsj.erofs.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.cfsj.tree.Directory;

/**
 * Writes a tree as a composefs EROFS image, byte for byte as C composefs's {@code mkcomposefs}
 * writes it for the same tree (libcomposefs's EROFS writer was read for the layout rules; this
 * is an independent implementation). The image holds metadata only: small files inline, the
 * others as overlayfs metacopy files redirecting to their backing objects.
 *
 * <p>Three steps, each its own class: {@link ComposefsRules} applies composefs's rules to a copy
 * of the tree, {@link LayoutPlan} decides where every inode, xattr and block goes, and
 * {@link ImageEmitter} writes the bytes, checking them against the plan. The tree is not changed.
 */
public final class ComposefsImageWriter {

    /** Format version bounds as mkcomposefs's {@code --min-version/--max-version}. */
    public record Options(int minVersion, int maxVersion) {
        public static final Options DEFAULT = new Options(0, 1);
        public static final int VERSION_MAX = 1;

        public static Options exactly(int version) {
            return new Options(version, version);
        }
    }

    private ComposefsImageWriter() {}

    /** Writes the image of {@code root} to {@code out} (not closed). */
    public static void write(Directory root, Options options, OutputStream out) throws IOException {
        int version = chooseVersion(root, options);
        LayoutPlan plan = LayoutPlan.of(ComposefsRules.apply(root, version));
        ImageEmitter.emit(plan, version, new ImageSink(out));
    }

    public static byte[] toBytes(Directory root, Options options) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        write(root, options, buf);
        return buf.toByteArray();
    }

    /** The format version the image will have: the minimum, raised to 1 if whiteouts need it. */
    public static int chooseVersion(Directory root, Options options) throws ImageWriteException {
        return ComposefsRules.chooseVersion(root, options);
    }
}
