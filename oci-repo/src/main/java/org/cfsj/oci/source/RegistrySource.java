package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.http.Authorization;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import com.google.cloud.tools.jib.http.ResponseException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * A registry speaking the OCI distribution API ({@code docker://}).
 *
 * <p>What jib-core gives, and is used for: the HTTP client with its HTTPS → unverified HTTPS →
 * HTTP failover ({@link FailoverHttpClient}, redirects to blob storage without leaking the
 * Authorization header), credential files and credential helpers, and the {@link Authorization}
 * header model. What its {@code RegistryClient} does not give: the raw manifest bytes (it keeps a
 * re-parsed template, so the stored manifest could not hash to the registry's digest), the
 * platform variant in an index, a pull-style blob stream (it pushes into an OutputStream), and
 * the Authorization it negotiated (private, so it cannot be reused for a plain request). So this
 * class makes the distribution-API requests itself on jib's client, and answers the
 * {@code WWW-Authenticate} challenge itself (read by {@link RegistryPing}): Basic with the stored
 * credential, or the distribution token flow (GET realm?service&scope, Basic-authenticated when
 * a credential exists) for Bearer.
 *
 * <p>Unverified TLS only with {@code --tls-verify=false}; plain HTTP with it, or for loopback
 * registries that speak only HTTP (as Docker and podman treat 127.0.0.0/8). A loopback registry
 * that speaks TLS gets its certificate checked like any other.
 */
public final class RegistrySource implements ImageSource {
    private static final String USER_AGENT = "cfsj/0.1";
    private static final long MAX_MANIFEST = 4 << 20;

    private final ImageReference reference;
    private final SourceOptions options;
    private volatile FailoverHttpClient http;
    /** {@code --tls-verify=false}: unverified TLS and plain HTTP. */
    private final boolean insecure;
    /** Plain HTTP allowed: {@code --tls-verify=false}, or a loopback registry. */
    private final boolean plainHttpAllowed;
    /** {@code http(s)://registry/v2/repository/}, decided on the first request ({@link #apiBase()}). */
    private volatile String apiBase;
    private volatile boolean plainHttp;
    private volatile Authorization authorization;
    private Optional<Credential> credential;

    public RegistrySource(ImageReference reference, SourceOptions options) {
        this.reference = reference;
        this.options = options;
        this.insecure = !options.tlsVerify();
        this.plainHttpAllowed = insecure || isLoopback(reference.getRegistry());
        this.http = new FailoverHttpClient(insecure, insecure, this::log);
    }

    private void log(LogEvent event) {
        if (event.getLevel() == LogEvent.Level.ERROR
                || (event.getLevel() == LogEvent.Level.WARN && options.tlsVerify() == false && !isLoopback(reference.getRegistry()))) {
            options.warn().accept(event.getMessage());
        }
    }

    static boolean isLoopback(String registry) {
        String host = registry;
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        if (host.equals("localhost")) {
            return true;
        }
        try {
            // Only literals: resolving a name here would let DNS decide what is "local".
            if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':' )) {
                return InetAddress.getByName(host).isLoopbackAddress();
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }

    @Override
    public String describe() {
        return "docker://" + reference.toString();
    }

    @Override
    public RawManifest fetchReferenced() throws IOException {
        Digest expected = reference.getDigest().map(Digest::parse).orElse(null);
        return fetchManifest(reference.getQualifier(), expected);
    }

    @Override
    public RawManifest fetchManifest(Descriptor descriptor) throws IOException {
        RawManifest m = fetchManifest(descriptor.digest().toString(), descriptor.digest());
        if (m.bytes().length != descriptor.size()) {
            throw new BlobDigestException("manifest " + descriptor.digest() + ": " + m.bytes().length + " bytes, the index says " + descriptor.size());
        }
        return m;
    }

    /**
     * Fetches a manifest by tag or digest. The digest recorded is the sha256 of the bytes
     * received; it must equal the one asked for, and the registry's Docker-Content-Digest
     * header when it sends one, so it is the registry's digest.
     */
    private RawManifest fetchManifest(String qualifier, Digest expected) throws IOException {
        String what = "manifest " + reference.getRepository() + (expected != null ? "@" : ":") + qualifier;
        try (Response r = get("manifests/" + qualifier, MediaTypes.ACCEPTED_MANIFESTS, what)) {
            byte[] bytes;
            try (InputStream body = r.getBody()) {
                bytes = ImageSource.readBounded(body, MAX_MANIFEST, what);
            }
            Digest actual = Digest.of(bytes);
            if (expected != null && !expected.equals(actual)) {
                throw new BlobDigestException(what + ": digest mismatch: expected " + expected + ", got " + actual);
            }
            for (String reported : r.getHeader("Docker-Content-Digest")) {
                if (reported.startsWith("sha256:") && !reported.equals(actual.toString())) {
                    throw new BlobDigestException(what + ": the registry reports digest " + reported + " but the bytes hash to " + actual);
                }
            }
            String contentType = r.getHeader("Content-Type").stream().findFirst().orElse(null);
            if (contentType != null && contentType.indexOf(';') >= 0) {
                contentType = contentType.substring(0, contentType.indexOf(';')).strip();
            }
            return RawManifest.of(bytes, actual, contentType);
        }
    }

    @Override
    public VerifyingInputStream openBlob(Descriptor descriptor) throws IOException {
        String what = "blob " + descriptor.digest();
        Response r = get("blobs/" + descriptor.digest(), List.of(), what);
        InputStream body;
        try {
            body = r.getBody();
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        InputStream closing = new FilterInputStream(body) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    r.close();
                }
            }
        };
        return new VerifyingInputStream(closing, descriptor.digest(), descriptor.size(), what);
    }

    /**
     * The API base URL: {@code https://}, or {@code http://} where plain HTTP is allowed and the
     * registry speaks it ({@link PlainHttpProbe}; jib would fall back to the same URL after two
     * failed TLS handshakes).
     */
    private String apiBase() throws IOException {
        String base = apiBase;
        if (base == null) {
            synchronized (this) {
                base = apiBase;
                if (base == null) {
                    plainHttp = plainHttpAllowed && PlainHttpProbe.speaksPlainHttp(reference.getRegistry(), 30_000);
                    if (!insecure && plainHttp) {
                        // jib's client refuses http:// URLs unless its failover is on; it is only
                        // ever given this plain-HTTP registry's URLs from here on
                        FailoverHttpClient strict = http;
                        http = new FailoverHttpClient(true, true, this::log);
                        try {
                            strict.shutDown();
                        } catch (IOException unused) {
                            // it made no connection yet: nothing to release
                        }
                    } else if (!insecure) {
                        // One verified request first: jib retries every I/O error with backoff for
                        // about a minute, which turns an untrusted certificate or a closed port into
                        // a minute of silence before the error; the ping fails at once, saying why.
                        RegistryPing.challenge(reference.getRegistry(), false, false, 30_000);
                    }
                    base = (plainHttp ? "http://" : "https://") + reference.getRegistry() + "/v2/" + reference.getRepository() + "/";
                    apiBase = base;
                }
            }
        }
        return base;
    }

    /** A GET under the repository's API path; answers one authentication challenge and retries. */
    private Response get(String path, List<String> accept, String what) throws IOException {
        URL url = url(apiBase() + path);
        for (int attempt = 0; ; attempt++) {
            Request.Builder b = Request.builder().setUserAgent(USER_AGENT);
            if (!accept.isEmpty()) {
                b.setAccept(accept);
            }
            Authorization auth = authorization;
            if (auth != null) {
                b.setAuthorization(auth);
            }
            try {
                return http.get(url, b.build());
            } catch (ResponseException e) {
                if (e.getStatusCode() == 401 && attempt == 0) {
                    authenticate(auth);
                    continue;
                }
                throw failure(e, what);
            } catch (SSLException e) {
                throw new IOException(reference.getRegistry() + ": TLS failed (" + e.getMessage()
                        + "); for a registry without valid TLS use --tls-verify=false", e);
            }
        }
    }

    private IOException failure(ResponseException e, String what) {
        String registry = reference.getRegistry();
        return switch (e.getStatusCode()) {
            case 401 -> new IOException(registry + ": " + what + ": authentication failed"
                    + (credential != null && credential.isEmpty() ? " (no credentials found; see --authfile)" : ""));
            case 403 -> new IOException(registry + ": " + what + ": access denied");
            case 404 -> new IOException(registry + ": " + what + ": not found");
            default -> new IOException(registry + ": " + what + ": HTTP " + e.getStatusCode() + errorDetail(e));
        };
    }

    private static String errorDetail(ResponseException e) {
        String content = e.getContent();
        if (content == null || content.isBlank()) {
            return "";
        }
        try {
            JsonNode errors = Json.MAPPER.readTree(content).get("errors");
            if (errors != null && errors.isArray() && !errors.isEmpty()) {
                return " (" + errors.get(0).path("message").asText() + ")";
            }
        } catch (IOException ignored) {
            // not a distribution error document: show nothing rather than HTML
        }
        return "";
    }

    /**
     * Answers a challenge. Synchronized so that parallel layer downloads hitting an expired token
     * negotiate once; {@code stale} is the Authorization that was refused, so a thread that lost
     * the race reuses the fresh one.
     */
    private synchronized void authenticate(Authorization stale) throws IOException {
        if (authorization != stale) {
            return;
        }
        String header = RegistryPing.challenge(reference.getRegistry(), insecure, plainHttp, 30_000);
        if (header == null) {
            throw new IOException(reference.getRegistry() + ": refused the request (HTTP 401) but asks for no authentication at /v2/");
        }
        AuthChallenge challenge = AuthChallenge.parse(header);
        if (credential == null) {
            credential = options.anonymous() ? Optional.empty() : RegistryCredentials.find(reference, options.authFile());
        }
        switch (challenge.scheme()) {
            case "basic" -> {
                Credential c = credential.orElseThrow(() -> new IOException(
                        reference.getRegistry() + ": requires a login and no credentials were found (see --authfile)"));
                authorization = Authorization.fromBasicCredentials(c.getUsername(), c.getPassword());
            }
            case "bearer" -> authorization = Authorization.fromBearerToken(token(challenge));
            default -> throw new IOException(reference.getRegistry() + ": unsupported authentication challenge '" + header + "'");
        }
    }

    /** The distribution token flow: GET realm?service=…&scope=repository:NAME:pull. */
    private String token(AuthChallenge challenge) throws IOException {
        String realm = challenge.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new IOException(reference.getRegistry() + ": bearer challenge without a realm");
        }
        String scope = challenge.params().getOrDefault("scope", "repository:" + reference.getRepository() + ":pull");
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        String service = challenge.params().get("service");
        if (service != null) {
            q.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8)).append('&');
        }
        q.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        Request.Builder b = Request.builder().setUserAgent(USER_AGENT);
        credential.ifPresent(c -> b.setAuthorization(Authorization.fromBasicCredentials(c.getUsername(), c.getPassword())));
        try (Response r = http.get(url(q.toString()), b.build()); InputStream body = r.getBody()) {
            JsonNode json = Json.MAPPER.readTree(ImageSource.readBounded(body, 1 << 20, "token response"));
            String token = json == null ? null : Json.text(json, "token");
            if (token == null || token.isEmpty()) {
                token = json == null ? null : Json.text(json, "access_token");
            }
            if (token == null || token.isEmpty()) {
                throw new IOException(reference.getRegistry() + ": token server " + realm + " returned no token");
            }
            return token;
        } catch (ResponseException e) {
            throw new IOException(reference.getRegistry() + ": token request to " + realm + " failed: HTTP " + e.getStatusCode()
                    + (e.getStatusCode() == 401 ? " (credentials rejected)" : ""), e);
        }
    }

    private static URL url(String s) throws IOException {
        try {
            return URI.create(s).toURL();
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw new IOException("invalid registry URL " + s, e);
        }
    }

    @Override
    public void close() throws IOException {
        http.shutDown();
    }
}
