package org.cfsj.oci.source;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * {@code GET /v2/} to learn how a registry wants to be authenticated (its {@code WWW-Authenticate}
 * challenge), as the Docker client does before asking for a token. Done with the JDK's
 * HttpURLConnection because jib's {@code ResponseException} only exposes headers through
 * google-http-client types, which jib-core keeps off the compile classpath.
 */
final class RegistryPing {
    private RegistryPing() {}

    /**
     * The challenge header, or null when {@code /v2/} answers without asking for credentials.
     *
     * @param plainHttp the registry is known to speak plain HTTP (and {@code insecure} allows it)
     */
    static String challenge(String registry, boolean insecure, boolean plainHttp, int timeoutMillis) throws IOException {
        IOException first = null;
        String[] attempts = plainHttp ? new String[] {"http"}
                : insecure ? new String[] {"https", "https-unverified", "http"} : new String[] {"https"};
        for (String mode : attempts) {
            try {
                return ping(registry, mode, timeoutMillis);
            } catch (UnknownHostException e) {
                throw new IOException(registry + ": cannot resolve the host name " + host(registry)
                        + " (name resolution failed: check the name and the network)", e);
            } catch (ConnectException e) {
                throw new IOException(registry + ": nothing listens there (connection refused)", e);
            } catch (SSLException | java.net.SocketException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw new IOException(registry + ": cannot reach /v2/: " + first.getMessage()
                + (insecure ? "" : "; for a registry without valid TLS use --tls-verify=false"), first);
    }

    /** The host part of {@code host[:port]} or {@code [v6]:port}. */
    private static String host(String registry) {
        if (registry.startsWith("[")) {
            return registry.substring(0, Math.max(1, registry.indexOf(']') + 1));
        }
        int colon = registry.lastIndexOf(':');
        return colon > 0 && registry.indexOf(':') == colon ? registry.substring(0, colon) : registry;
    }

    private static String ping(String registry, String mode, int timeoutMillis) throws IOException {
        String scheme = mode.equals("http") ? "http" : "https";
        HttpURLConnection c = (HttpURLConnection) URI.create(scheme + "://" + registry + "/v2/").toURL().openConnection();
        try {
            if (mode.equals("https-unverified") && c instanceof HttpsURLConnection s) {
                s.setSSLSocketFactory(trustAll().getSocketFactory());
                s.setHostnameVerifier((host, session) -> true);
            }
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setInstanceFollowRedirects(false);
            int code = c.getResponseCode();
            drain(code >= 400 ? c.getErrorStream() : c.getInputStream());
            return code == 401 ? c.getHeaderField("WWW-Authenticate") : null;
        } finally {
            c.disconnect();
        }
    }

    private static void drain(InputStream in) throws IOException {
        if (in != null) {
            try (in) {
                in.readNBytes(1 << 16);
            }
        }
    }

    private static SSLContext trustAll() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("TLS is unavailable: " + e.getMessage(), e);
        }
    }
}
