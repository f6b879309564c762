package org.cfsj.oci.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlainHttpProbeTest {
    @Test
    void onlyARegistryAnswerCounts() {
        assertTrue(PlainHttpProbe.isRegistryAnswer("HTTP/1.1 200 OK\r"));
        assertTrue(PlainHttpProbe.isRegistryAnswer("HTTP/1.1 401 Unauthorized\r"));
        assertTrue(PlainHttpProbe.isRegistryAnswer("HTTP/1.0 200 OK"));
        // Go's TLS server answering a plain-HTTP request
        assertFalse(PlainHttpProbe.isRegistryAnswer("HTTP/1.0 400 Bad Request\r"));
        assertFalse(PlainHttpProbe.isRegistryAnswer("HTTP/1.1 404 Not Found\r"));
        assertFalse(PlainHttpProbe.isRegistryAnswer("\u0015\u0003\u0001\u0000\u0002"));
        assertFalse(PlainHttpProbe.isRegistryAnswer(""));
    }

    @Test
    void onlyRegistriesWithAPortAreProbed() {
        assertEquals(5000, PlainHttpProbe.address("127.0.0.1:5000").getPort());
        assertEquals(5000, PlainHttpProbe.address("[::1]:5000").getPort());
        assertNull(PlainHttpProbe.address("registry.example"));
        assertNull(PlainHttpProbe.address("[::1]"));
        assertNull(PlainHttpProbe.address("host:notaport"));
        assertNull(PlainHttpProbe.address("host:0"));
    }

    @Test
    void probesWhatTheServerAnswers() throws Exception {
        assertTrue(probe("HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=x\r\n\r\n"));
        assertTrue(probe("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
        assertFalse(probe("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"));
        assertFalse(probe("\u0015\u0003\u0001\u0000\u0002\u0002\u0032"));
        assertFalse(probe(""));
    }

    /** Serves one connection with {@code answer} and probes it. */
    private static boolean probe(String answer) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().readNBytes(16); // part of the request
                    s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException ignored) {
                    // the probe gave up: fine
                }
            });
            boolean plain = PlainHttpProbe.speaksPlainHttp("127.0.0.1:" + server.getLocalPort(), 5_000);
            t.join();
            return plain;
        }
    }
}
