package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.erofs.write.WriterTree;
import org.cfsj.scan.DirectoryScanner;
import org.cfsj.scan.ScanOptions;
import org.cfsj.tree.Directory;
import org.cfsj.verity.FsVerity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cfsj mkcomposefs}: the image C mkcomposefs would write, from a directory or a dumpfile. */
@Command(
        name = "mkcomposefs",
        mixinStandardHelpOptions = true,
        description = {
            "Build a composefs EROFS image from a directory tree or, with --from-file, from a composefs dumpfile.",
            "The image is byte-identical to what C mkcomposefs writes for the same input.",
            "Files up to 64 bytes are stored inline; larger ones are referenced by fs-verity digest (xx/rest-of-digest),",
            "and --digest-store copies them there. The image is written to a temp file and renamed: an error never",
            "leaves a partial image.",
            "Entries no image can hold are refused, naming the entry: a name over 255 bytes or with NUL,",
            "a symlink target over 4095 bytes or with NUL, an xattr value over 65535 bytes, more than 64 KiB",
            "of xattr names or 128 KiB of xattrs on one entry."
        },
        sortOptions = false)
final class MkcomposefsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "Directory to scan, or dumpfile with --from-file ('-' = stdin).")
    String source;

    @Parameters(index = "1", paramLabel = "IMAGE", arity = "0..1",
            description = "Image to write ('-' = stdout). Omit only with --print-digest-only.")
    String image;

    @Option(names = "--from-file", description = "SOURCE is a composefs dumpfile (composefs-dump(5)).")
    boolean fromFile;

    @Option(names = "--strict", description = "Parse the dumpfile strictly (as CFS_PARSE_STRICT=1 does for C mkcomposefs; also enabled by that variable).")
    boolean strict;

    @Option(names = "--digest-store", paramLabel = "DIR", description = "Copy each large file into DIR/xx/<rest-of-digest> (directory SOURCE only).")
    Path digestStore;

    @Option(names = "--min-version", paramLabel = "N", defaultValue = "0", description = "Lowest format version to write (default: ${DEFAULT-VALUE}).")
    int minVersion;

    @Option(names = "--max-version", paramLabel = "N", defaultValue = "1", description = "Highest format version to write if the content needs it (default: ${DEFAULT-VALUE}).")
    int maxVersion;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for digests and copies (default: number of CPUs).")
    Integer threads;

    @Option(names = "--print-digest", description = "Print the image's fs-verity digest after writing it.")
    boolean printDigest;

    @Option(names = "--print-digest-only", description = "Only print the image's fs-verity digest; write no image.")
    boolean printDigestOnly;

    @Override
    public Integer call() throws IOException {
        if (image == null && !printDigestOnly) {
            throw new IOException("no destination IMAGE given (use '-' for stdout)");
        }
        if (image != null && printDigestOnly) {
            throw new IOException("IMAGE cannot be given with --print-digest-only");
        }
        if (threads != null && threads <= 0) {
            throw new IOException("invalid --threads " + threads);
        }
        if (digestStore != null && fromFile) {
            throw new IOException("--digest-store needs a directory SOURCE, not a dumpfile");
        }
        WriterTree root = fromFile ? readDump() : WriterTree.of(scan());
        ComposefsImageWriter.Options options = new ComposefsImageWriter.Options(minVersion, maxVersion);
        // Checks versions and content before any output exists.
        ComposefsImageWriter.chooseVersion(root, options);

        if (printDigestOnly) {
            byte[] bytes = ComposefsImageWriter.toBytes(root, options);
            System.out.println(FsVerity.toHex(FsVerity.digest(bytes)));
            return 0;
        }
        byte[][] digest = new byte[1][];
        AtomicOutput.write(image, out -> {
            if (printDigest) {
                byte[] bytes = ComposefsImageWriter.toBytes(root, options);
                digest[0] = FsVerity.digest(bytes);
                out.write(bytes);
            } else {
                ComposefsImageWriter.write(root, options, out);
            }
        });
        if (printDigest) {
            System.out.println(FsVerity.toHex(digest[0]));
        }
        return 0;
    }

    /** The dumpfile's image tree, parsed straight into the writer's form (no tree model in between). */
    private WriterTree readDump() throws IOException {
        DumpfileParser.Mode mode = strict || System.getenv("CFS_PARSE_STRICT") != null
                ? DumpfileParser.Mode.STRICT : DumpfileParser.Mode.LENIENT;
        if (source.equals("-")) {
            return DumpfileParser.parseForImage(System.in, mode);
        }
        Path p = Path.of(source);
        if (Files.isDirectory(p)) {
            throw new IOException(source + ": is a directory, not a dumpfile (drop --from-file to scan it)");
        }
        try (var in = Files.newInputStream(p)) {
            return DumpfileParser.parseForImage(in, mode);
        }
    }

    private Directory scan() throws IOException {
        Path dir = Path.of(source);
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(source + (Files.exists(dir) ? ": not a directory (use --from-file for a dumpfile)" : ": no such directory"));
        }
        ScanOptions opts = ScanOptions.defaults();
        if (threads != null) {
            opts = opts.withThreads(threads);
        }
        if (digestStore != null) {
            Files.createDirectories(digestStore);
            opts = opts.withDigestStore(digestStore);
        }
        return DirectoryScanner.scan(dir, opts);
    }
}
