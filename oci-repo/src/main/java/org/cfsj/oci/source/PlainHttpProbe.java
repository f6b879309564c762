package org.cfsj.oci.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds out whether a registry where plain HTTP is allowed (loopback, or {@code
 * --tls-verify=false}) speaks plain HTTP on its port, by asking {@code GET /v2/} in clear text.
 * jib's client would find the same by failing two TLS handshakes first (verified, then
 * unverified) and falling back to {@code http://} on the same port; the handshakes cost a few
 * hundred milliseconds of CPU before the first byte of an image arrives (JSSE start-up, key
 * generation, the trust store), which a pull from a local registry notices.
 *
 * <p>Only an answer a registry gives to {@code /v2/} counts (HTTP/1.x with status 200 or 401):
 * a TLS server answers garbage, an alert or, like Go's, an HTTP 400 ("Client sent an HTTP request
 * to an HTTPS server"), and then the usual HTTPS-first negotiation runs. Only registries named
 * with a port are probed: without one, HTTPS means port 443 and the HTTP fallback port 80.
 */
final class PlainHttpProbe {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3})[ \\r].*", Pattern.DOTALL);

    private PlainHttpProbe() {}

    /** True if {@code host:port} answered {@code GET /v2/} as a plain-HTTP registry. */
    static boolean speaksPlainHttp(String registry, int timeoutMillis) {
        InetSocketAddress address = address(registry);
        if (address == null) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(address, timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + registry + "\r\nUser-Agent: cfsj/0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return isRegistryAnswer(readStatusLine(s.getInputStream()));
        } catch (IOException | RuntimeException e) {
            return false; // not plain HTTP, or not reachable: the normal negotiation decides
        }
    }

    /** Whether a status line is a registry's answer to {@code /v2/}: 200, or 401 asking for credentials. */
    static boolean isRegistryAnswer(String statusLine) {
        Matcher m = STATUS.matcher(statusLine);
        return m.matches() && (m.group(1).equals("200") || m.group(1).equals("401"));
    }

    private static String readStatusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            int c = in.read();
            if (c < 0 || c == '\n') {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** host:port of {@code host:port} or {@code [v6]:port}; null without an explicit port. */
    static InetSocketAddress address(String registry) {
        String host;
        String port;
        if (registry.startsWith("[")) {
            int end = registry.indexOf(']');
            if (end < 0 || end + 1 >= registry.length() || registry.charAt(end + 1) != ':') {
                return null;
            }
            host = registry.substring(1, end);
            port = registry.substring(end + 2);
        } else {
            int colon = registry.indexOf(':');
            if (colon < 0 || colon != registry.lastIndexOf(':')) {
                return null;
            }
            host = registry.substring(0, colon);
            port = registry.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            return p > 0 && p < 65536 ? new InetSocketAddress(host, p) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
