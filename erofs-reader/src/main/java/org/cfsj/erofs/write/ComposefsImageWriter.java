package org.cfsj.erofs.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;

/**
 * Writes a tree as a composefs EROFS image, byte for byte as C composefs's {@code mkcomposefs}
 * writes it for the same tree (libcomposefs's EROFS writer was read for the layout rules; this
 * is an independent implementation). The image holds metadata only: small files inline, the
 * others as overlayfs metacopy files redirecting to their backing objects.
 *
 * <p>The input is a {@link WriterTree}: a {@link Directory} is first copied into one (and is not
 * changed); a producer may also build one directly. Three steps, each its own class:
 * {@link ComposefsRules} applies composefs's rules to the writer's tree, in place,
 * {@link LayoutPlan} decides where every inode, xattr and block goes, and {@link ImageEmitter}
 * writes the bytes, checking them against the plan.
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
        write(WriterTree.of(root), options, out);
    }

    /** Writes the image of {@code tree} to {@code out} (not closed); the tree is consumed (rewritten). */
    public static void write(WriterTree tree, Options options, OutputStream out) throws IOException {
        int version = chooseVersion(tree, options);
        LayoutPlan plan = LayoutPlan.of(ComposefsRules.apply(tree, version));
        ImageEmitter.emit(plan, version, new ImageSink(out));
    }

    public static byte[] toBytes(Directory root, Options options) throws IOException {
        return toBytes(WriterTree.of(root), options);
    }

    /** The image of {@code tree}; the tree is consumed (rewritten). */
    public static byte[] toBytes(WriterTree tree, Options options) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        write(tree, options, buf);
        return buf.toByteArray();
    }

    /** The format version the image will have: the minimum, raised to 1 if whiteouts need it. */
    public static int chooseVersion(Directory root, Options options) throws ImageWriteException {
        return ComposefsRules.chooseVersion(hasWhiteout(root), options);
    }

    /** The format version the image of {@code tree} will have (see {@link #chooseVersion(Directory, Options)}). */
    public static int chooseVersion(WriterTree tree, Options options) throws ImageWriteException {
        return ComposefsRules.chooseVersion(tree.hasWhiteout(), options);
    }

    private static boolean hasWhiteout(Directory root) {
        ArrayDeque<Directory> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            for (Node n : todo.pop().entries().values()) {
                if (n instanceof Device d && d.isWhiteout()) {
                    return true;
                }
                if (n instanceof Directory sub) {
                    todo.push(sub);
                }
            }
        }
        return false;
    }
}
