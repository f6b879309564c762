package org.cfsj.it.run;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;

/**
 * A Debian bookworm minbase root filesystem made by {@code debootstrap --variant=minbase} from
 * the machine's configured Debian mirror, built once a day and kept under the integration-tests
 * module's {@code target/debian-minbase/} (about 45 s and 200 MB here), so that one build serves
 * every test run of the day and {@code mvn clean} removes it.
 */
final class DebianMinbase {
    static final String SUITE = "bookworm";

    private DebianMinbase() {}

    /** Why the Debian tree cannot be built here, or empty if it can. */
    static Optional<String> unavailable() throws IOException {
        if (!Command.isRoot()) {
            return Optional.of("debootstrap needs root");
        }
        if (!Command.onPath("debootstrap")) {
            return Optional.of("debootstrap is not installed (apt-get install debootstrap; .ci/run installs it)");
        }
        Optional<String> mirror = mirror();
        if (mirror.isEmpty()) {
            return Optional.of("no Debian mirror for " + SUITE + " in /etc/apt/sources.list or /etc/apt/sources.list.d/");
        }
        if (Files.exists(cacheDir().resolve(SUITE + "-minbase-" + LocalDate.now() + ".complete"))) {
            return Optional.empty(); // today's tree is built: no network needed
        }
        String release = mirror.get().replaceAll("/+$", "") + "/dists/" + SUITE + "/Release";
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(release).toURL().openConnection();
            c.setRequestMethod("HEAD");
            c.setConnectTimeout(5000);
            c.setReadTimeout(10000);
            int code = c.getResponseCode();
            c.disconnect();
            if (code != 200) {
                return Optional.of("the Debian mirror answers HTTP " + code + " for " + release);
            }
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of("the Debian mirror is unreachable (" + release + ": " + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    /** The first mirror the machine's apt sources list for the bookworm suite (main archive, not security). */
    static Optional<String> mirror() throws IOException {
        List<Path> files = new ArrayList<>();
        Path list = Path.of("/etc/apt/sources.list");
        if (Files.isRegularFile(list)) {
            files.add(list);
        }
        Path dir = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".list") || p.toString().endsWith(".sources")).sorted().forEach(files::add);
            }
        }
        Pattern oneLine = Pattern.compile("^deb\\s+(?:\\[[^]]*]\\s+)?(\\S+)\\s+(\\S+)");
        for (Path f : files) {
            String text = Files.readString(f);
            if (f.toString().endsWith(".sources")) {
                for (String stanza : text.split("\\n\\s*\\n")) {
                    String uris = field(stanza, "URIs");
                    String suites = field(stanza, "Suites");
                    String types = field(stanza, "Types");
                    if (uris != null && suites != null && (types == null || List.of(types.split("\\s+")).contains("deb"))
                            && List.of(suites.split("\\s+")).contains(SUITE)) {
                        return Optional.of(uris.split("\\s+")[0]);
                    }
                }
            } else {
                for (String line : text.split("\n")) {
                    Matcher m = oneLine.matcher(line.strip());
                    if (m.find() && m.group(2).equals(SUITE)) {
                        return Optional.of(m.group(1));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String field(String stanza, String name) {
        for (String line : stanza.split("\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    /** The cache directory: {@code integration-tests/target/debian-minbase}. */
    static Path cacheDir() {
        return Path.of(System.getProperty("cfsj.root.dir"), "integration-tests", "target", "debian-minbase");
    }

    /** Today's tree, built by debootstrap if it is not in the cache yet. */
    static Path rootfs() throws IOException, InterruptedException {
        Path dir = cacheDir().resolve(SUITE + "-minbase-" + LocalDate.now());
        Path complete = cacheDir().resolve(dir.getFileName() + ".complete");
        if (Files.exists(complete) && Files.isDirectory(dir)) {
            return dir;
        }
        Files.createDirectories(cacheDir());
        Command.of(List.of("rm", "-rf", dir.toString())).timeoutSeconds(120).run(); // a half-built tree from an interrupted run
        String mirror = mirror().orElseThrow();
        long t0 = System.nanoTime();
        Result r = Command.of(List.of("debootstrap", "--variant=minbase", SUITE, dir.toString(), mirror)).timeoutSeconds(900).run();
        if (r.exit() != 0) {
            throw new IOException("debootstrap --variant=minbase " + SUITE + " " + dir + " " + mirror + " failed: " + r.describe());
        }
        System.out.printf("DebianMinbase: debootstrap from %s took %.1f s%n", mirror, (System.nanoTime() - t0) / 1e9);
        Files.createFile(complete);
        return dir;
    }
}
