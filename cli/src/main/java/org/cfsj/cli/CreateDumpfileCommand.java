package org.cfsj.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.scan.DirectoryScanner;
import org.cfsj.scan.ScanOptions;
import org.cfsj.tree.Directory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj create-dumpfile DIR}: the composefs dumpfile of a directory tree, as mkcomposefs
 * would see it. Run on a mounted image (FUSE or kernel), it must print exactly what
 * {@code cfsj composefs-info dump IMAGE} prints for that image, so the output is canonical:
 * entries in strcmp order, xattrs sorted, hardlinks as '@' lines to their first path.
 */
@Command(
        name = "create-dumpfile",
        mixinStandardHelpOptions = true,
        description = {
            "Print the composefs dumpfile (composefs-dump(5)) of a directory tree to stdout; the root line is \"/\".",
            "Symlinks are not followed; names, targets and xattrs (all namespaces) are taken as raw bytes.",
            "Regular files up to the inline limit are printed with their content, larger ones with their",
            "fs-verity digest and object path (xx/rest-of-digest). Hardlinked files are printed once, then as '@' links."
        },
        sortOptions = false)
final class CreateDumpfileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory to describe.")
    Path dir;

    @Option(names = "--threads", paramLabel = "N", description = "Threads computing digests (default: number of CPUs).")
    Integer threads;

    @Option(names = "--inline-limit", paramLabel = "N", defaultValue = "" + ScanOptions.DEFAULT_INLINE_LIMIT,
            description = "Largest file (bytes) printed with inline content (default: ${DEFAULT-VALUE}; max "
                    + ScanOptions.MAX_INLINE_LIMIT + ").")
    int inlineLimit;

    @Option(names = "--no-xattrs", description = "Leave extended attributes out.")
    boolean noXattrs;

    @Option(names = "--digest-store", paramLabel = "STORE",
            description = "Also copy each large file into STORE/xx/<rest-of-digest> (as mkcomposefs --digest-store).")
    Path digestStore;

    @Override
    public Integer call() throws IOException {
        if (threads != null && threads < 1) {
            throw new IOException("invalid --threads " + threads + ": must be at least 1");
        }
        if (inlineLimit < 0 || inlineLimit > ScanOptions.MAX_INLINE_LIMIT) {
            throw new IOException("invalid --inline-limit " + inlineLimit + ": must be 0.." + ScanOptions.MAX_INLINE_LIMIT);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) ? ": not a directory" : ": no such directory"));
        }
        ScanOptions opts = ScanOptions.defaults().withInlineLimit(inlineLimit).withReadXattrs(!noXattrs);
        if (threads != null) {
            opts = opts.withThreads(threads);
        }
        if (digestStore != null) {
            Files.createDirectories(digestStore);
            opts = opts.withDigestStore(digestStore);
        }
        Directory root = DirectoryScanner.scan(dir, opts);
        // Buffered, and System.out itself is not closed: tests capture it with System.setOut.
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        DumpfilePrinter.print(root, out);
        out.flush();
        if (System.out.checkError()) {
            throw new IOException("error writing to stdout");
        }
        return 0;
    }
}
