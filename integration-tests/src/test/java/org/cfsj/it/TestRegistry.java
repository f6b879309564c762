package org.cfsj.it;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cfsj.testsupport.Command;

/**
 * Debian's {@code docker-registry} on a free 127.0.0.1 port, with filesystem storage in a
 * temporary directory, plain HTTP and no authentication (or, from {@link #startSecured}, HTTPS
 * and basic authentication), and its access log in a file (which is how tests count blob
 * downloads). Stopped by PID on {@link #close()}.
 */
public final class TestRegistry implements AutoCloseable {
    public static final String BINARY = "/usr/bin/docker-registry";

    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;

    private TestRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.log = dir.resolve("registry.log");
        this.port = port;
        this.process = process;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    public static TestRegistry start(Path dir) throws IOException, InterruptedException {
        return start(dir, null, null);
    }

    /**
     * A registry that speaks only HTTPS, with a self-signed certificate for 127.0.0.1 (made with
     * openssl), and wants HTTP basic authentication as {@code user}/{@code password} (a bcrypt
     * htpasswd file made with {@code htpasswd}, Debian package apache2-utils): what a private
     * registry looks like to a client.
     */
    public static TestRegistry startSecured(Path dir, String user, String password) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Path htpasswd = dir.resolve("htpasswd");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out", cert.toString()), null);
        run(List.of("htpasswd", "-Bbn", user, password), htpasswd);
        String security = """
                  tls:
                    certificate: %s
                    key: %s
                auth:
                  htpasswd:
                    realm: cfsj-test
                    path: %s
                """.formatted(cert, key, htpasswd);
        return start(dir, security, cert);
    }

    /** Runs a tool (its stdout into {@code stdout} if not null) and throws unless it exits 0. */
    private static void run(List<String> cmd, Path stdout) throws IOException, InterruptedException {
        Command c = Command.of(cmd).timeoutSeconds(60);
        (stdout == null ? c : c.stdoutTo(stdout)).check();
    }

    private static TestRegistry start(Path dir, String security, Path cert) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("storage"));
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: info
                      accesslog:
                        disabled: false
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    """.formatted(dir.resolve("storage"), port) + (security == null ? "" : security));
            Process p = new ProcessBuilder(BINARY, "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            TestRegistry r = new TestRegistry(dir, port, p);
            if (cert == null ? r.awaitReady() : r.awaitListening()) {
                return r;
            }
            r.close();
            last = new IOException("docker-registry did not start on port " + port + ": " + Files.readString(r.log));
        }
        throw last;
    }

    private boolean awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                int code = c.getResponseCode();
                c.disconnect();
                if (code == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** For a TLS registry: the port accepts connections (its HTTP answers need the certificate). */
    private boolean awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        return false;
    }

    /** {@code 127.0.0.1:PORT}. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public Path storage() {
        return dir.resolve("storage");
    }

    /** The file holding a blob's bytes in the registry's storage. */
    public Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return storage().resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    private static final Pattern ACCESS = Pattern.compile("\"(GET|HEAD) /v2/([^ ]+)/blobs/(sha256:[0-9a-f]{64}) HTTP/[0-9.]+\" (\\d+)");

    /** How many successful blob GETs the registry has logged for these digests so far. */
    public long blobGets(List<String> digests) throws IOException {
        long n = 0;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = ACCESS.matcher(line);
            if (m.find() && m.group(1).equals("GET") && digests.contains(m.group(3)) && m.group(4).startsWith("2")) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
