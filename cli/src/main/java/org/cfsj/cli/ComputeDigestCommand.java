package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.FsVerityParams;
import org.cfsj.verity.VerityAlgorithm;
import org.cfsj.verity.HashAlgorithm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj compute-digest}: prints fs-verity digests the way {@code fsverity digest} does, so
 * that the two can be compared line by line.
 */
@Command(
        name = "compute-digest",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print the fs-verity digest of each FILE, one line per file: '<alg>:<hex> FILE', "
                    + "the same output as 'fsverity digest FILE...' (fsverity-utils). The digest is "
                    + "computed in user space; the filesystem need not support fs-verity. composefs "
                    + "names backing objects by this digest (sha256, 4096-byte blocks, no salt: the defaults).",
            "",
            "Like fsverity, it stops at the first FILE that cannot be read (missing, a directory, "
                    + "unreadable): the lines of the FILEs before it are printed, then the error, and "
                    + "the exit status is 1."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every digest was printed", "1:a FILE could not be read", "2:invalid usage"})
final class ComputeDigestCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N",
            description = "Hashing threads: small files are hashed side by side, each file of at least "
                    + (FsVerity.PARALLEL_THRESHOLD >> 20) + " MiB by all threads. "
                    + "0 or default: one per processor (here ${DEFAULT-VALUE}). 1: no extra threads.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--hash-alg", paramLabel = "ALG", converter = HashAlgorithmConverter.class,
            description = "Hash algorithm: sha256 (default) or sha512.")
    HashAlgorithm hashAlgorithm = HashAlgorithm.SHA256;

    @Option(names = "--algorithm", paramLabel = "ALG", converter = VerityAlgorithmConverter.class,
            description = "A composefs repository algorithm, fsverity-sha256-12 or fsverity-sha512-12: "
                    + "its hash with 4096-byte blocks (instead of --hash-alg and --block-size).")
    VerityAlgorithm algorithm;

    @Option(names = "--block-size", paramLabel = "BYTES",
            description = "Merkle tree block size, a power of two from 1024 to 65536 (default: ${DEFAULT-VALUE}).")
    int blockSize = 4096;

    @Option(names = "--salt", paramLabel = "HEX",
            description = "Salt prepended to every hashed block, as hex (at most 32 bytes). Default: none.")
    String salt;

    @Option(names = "--compact", description = "Print only the hex digest, without algorithm and file name.")
    boolean compact;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to digest.")
    List<Path> files;

    @Override
    public Integer call() throws IOException {
        FsVerityParams params = params();
        if (threads < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be 0 or more, got " + threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        String prefix = hashAlgorithm.shortName() + ":";
        try {
            FsVerity.digestAll(files, params, threads, (file, digest) -> {
                String hex = FsVerity.toHex(digest);
                out.println(compact ? hex : prefix + hex + " " + file);
            });
        } finally {
            out.flush(); // the lines of the files before a failing one come before its error
        }
        return 0;
    }

    /** Validates the tree options together; bad values are usage errors, not I/O failures. */
    private FsVerityParams params() {
        if (algorithm != null) {
            var given = spec.commandLine().getParseResult();
            if (given.hasMatchedOption("--hash-alg") || given.hasMatchedOption("--block-size")) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--algorithm names the hash and block size; do not combine it with --hash-alg or --block-size");
            }
            hashAlgorithm = algorithm.hash();
            blockSize = algorithm.blockSize();
        }
        byte[] saltBytes;
        try {
            saltBytes = salt == null ? new byte[0] : HexFormat.of().parseHex(salt);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--salt '" + salt + "' is not an even number of hex digits", e);
        }
        try {
            return new FsVerityParams(hashAlgorithm, blockSize, saltBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    static final class HashAlgorithmConverter implements CommandLine.ITypeConverter<HashAlgorithm> {
        @Override
        public HashAlgorithm convert(String value) {
            try {
                return HashAlgorithm.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
