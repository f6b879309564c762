package org.cfsj.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A read-only registry (the distribution API's pull side: {@code GET /v2/}, a manifest by tag,
 * blobs by digest) serving one {@link TrainingImage} over plain HTTP on a free loopback port, for
 * the AOT training run: pulling from it loads and profiles the registry client (jib's HTTP
 * stack, the plain-HTTP probe), which an {@code oci:} layout would leave out, and that is what
 * {@code cfsj oci pull docker://…} spends its start-up on.
 */
final class TrainingRegistry implements AutoCloseable {
    static final String REPOSITORY = "cfsj/training";
    static final String TAG = "1";

    private final HttpServer server;
    private final ExecutorService threads;
    private final TrainingImage image;

    private TrainingRegistry(TrainingImage image) throws IOException {
        this.image = image;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        threads = Executors.newCachedThreadPool(Thread.ofPlatform().name("cfsj-training-registry-", 0).daemon(true).factory());
        server.setExecutor(threads);
        server.createContext("/v2/", this::handle);
        server.start();
    }

    static TrainingRegistry serve(TrainingImage image) throws IOException {
        return new TrainingRegistry(image);
    }

    /** The image's reference, as {@code cfsj oci pull} takes it. */
    String reference() {
        return "docker://127.0.0.1:" + server.getAddress().getPort() + "/" + REPOSITORY + ":" + TAG;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String repo = "/v2/" + REPOSITORY + "/";
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
            } else if (path.equals("/v2/")) {
                send(ex, "application/json", "{}".getBytes());
            } else if (path.equals(repo + "manifests/" + TAG) || path.equals(repo + "manifests/" + image.manifestDigest())) {
                ex.getResponseHeaders().add("Docker-Content-Digest", image.manifestDigest());
                send(ex, TrainingImage.MANIFEST_TYPE, image.manifest());
            } else if (path.startsWith(repo + "blobs/") && image.blobs().containsKey(path.substring((repo + "blobs/").length()))) {
                send(ex, "application/octet-stream", image.blobs().get(path.substring((repo + "blobs/").length())));
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(200, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
