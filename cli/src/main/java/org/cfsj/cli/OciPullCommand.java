package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.oci.pull.LineProgress;
import org.cfsj.oci.pull.PullOptions;
import org.cfsj.oci.pull.PullProgress;
import org.cfsj.oci.pull.PullResult;
import org.cfsj.oci.pull.PullRequest;
import org.cfsj.oci.pull.TerminalProgress;
import org.cfsj.oci.source.ImageSources;
import org.cfsj.oci.source.Platform;
import org.cfsj.oci.source.SourceOptions;
import org.cfsj.repo.Repository;
import org.cfsj.sys.FileCalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code cfsj oci pull SOURCE [NAME]}: fetches an image into the repository and builds its composefs image. */
@Command(name = "pull", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Pull an image into the repository, build its composefs image, print its id.",
            "",
            "SOURCE (as skopeo spells it): docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST],",
            "oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE.",
            "",
            "Every blob is checked against its sha256 digest before it is used, every layer",
            "against the config's diff_id; layers already in the repository are not",
            "downloaded again. The name is set last, after the composefs image is built: a",
            "failed or interrupted pull leaves the name, and the image it names, as they",
            "were. Creates the repository (mode 0700) if there is none.",
            "",
            "A layer is refused if it holds what no composefs image can (a name component",
            "over 255 bytes or with NUL, a symlink target over 4095 bytes, xattrs too large",
            "for EROFS) or a PAX header over 1 MiB; see 'Limits on input' in the README.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:pulled", "1:the pull failed (nothing was named)", "2:invalid usage"})
final class OciPullCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Where the image comes from.")
    String source;

    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1",
            description = "Name (tag) to store it under; default: the source's name.")
    String name;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Which image of a multi-platform index (default: this machine's).")
    String platform;

    @Option(names = "--tls-verify", arity = "1", paramLabel = "BOOL", defaultValue = "true",
            description = "Require HTTPS with a verified certificate (default: true; loopback registries may speak plain HTTP).")
    boolean tlsVerify;

    @Option(names = "--authfile", paramLabel = "FILE",
            description = {"Credentials file (default: $REGISTRY_AUTH_FILE,",
                "$XDG_RUNTIME_DIR/containers/auth.json,", "~/.docker/config.json)."})
    Path authFile;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image id (nothing on stderr unless it fails).")
    boolean quiet;

    @Option(names = "--no-image", description = "Store the image but do not build its composefs image.")
    boolean noImage;

    @Option(names = "--jobs", paramLabel = "N", description = "Layers downloaded at once (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + PullOptions.DEFAULT_PARALLELISM)
    int jobs;

    @Override
    public Integer call() throws IOException {
        ImageSources.Spec where;
        Platform target;
        try {
            where = ImageSources.parse(source);
            target = platform == null ? Platform.current() : Platform.parse(platform);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (jobs < 1 || jobs > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must be between 1 and 64");
        }
        PrintStream err = System.err;
        SourceOptions options = new SourceOptions(tlsVerify, authFile, quiet ? null : msg -> err.println("warning: " + msg));
        PullRequest request = new PullRequest(where, name, target, !noImage, jobs, options);
        String tag = request.tag();
        Repository repo = RepoOption.init(quiet);
        PullResult result;
        try (PullProgress progress = progress(err)) {
            result = request.run(repo, progress);
        }
        if (!quiet) {
            err.printf("pulled %s as %s: %d layer%s fetched (%s), %d already present%n", source, tag,
                    result.layersFetched(), result.layersFetched() == 1 ? "" : "s",
                    RepoOption.humanSize(result.bytesDownloaded()), result.layersSkipped());
            long objects = result.layers().stream().mapToLong(l -> l.objects()).sum();
            err.printf("objects: %d file objects in fetched layers, %d new, %d already in the repository%n",
                    objects, objects - result.objectsDeduplicated(), result.objectsDeduplicated());
        }
        spec.commandLine().getOut().println(result.imageId().map(id -> id.hex()).orElse(result.manifestDigest()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private PullProgress progress(PrintStream err) {
        if (quiet) {
            return PullProgress.NONE;
        }
        boolean tty = FileCalls.isatty(2);
        return tty ? new TerminalProgress(err) : new LineProgress(err);
    }
}
