package org.cfsj.varlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code LISTEN_PID}/{@code LISTEN_FDS}/{@code LISTEN_FDNAMES} as sd_listen_fds(3) defines them. */
class SocketActivationTest {
    @Test
    void noActivationWithoutTheVariables() {
        assertTrue(SocketActivation.parse(Map.of(), 42).isEmpty());
        assertTrue(SocketActivation.parse(Map.of("LISTEN_FDS", "1"), 42).isEmpty());
    }

    @Test
    void activationForAnotherProcessIsIgnored() {
        assertTrue(SocketActivation.parse(Map.of("LISTEN_PID", "41", "LISTEN_FDS", "1"), 42).isEmpty());
    }

    @Test
    void fdsStartAtThree() {
        SocketActivation a = SocketActivation.parse(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "2"), 42).orElseThrow();
        assertEquals(List.of(3, 4), a.fds());
        assertEquals(List.of("unknown", "unknown"), a.names());
        a = SocketActivation.parse(Map.of("LISTEN_PID", "42", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "varlink"), 42).orElseThrow();
        assertEquals(List.of("varlink"), a.names());
    }

    @Test
    void malformedVariablesAreErrors() {
        for (Map<String, String> env : List.of(
                Map.of("LISTEN_PID", "42", "LISTEN_FDS", "0"),
                Map.of("LISTEN_PID", "42", "LISTEN_FDS", "-1"),
                Map.of("LISTEN_PID", "42", "LISTEN_FDS", "1000"),
                Map.of("LISTEN_PID", "42", "LISTEN_FDS", "two"),
                Map.of("LISTEN_PID", "x42", "LISTEN_FDS", "1"),
                Map.of("LISTEN_PID", "42", "LISTEN_FDS", "2", "LISTEN_FDNAMES", "one"))) {
            assertThrows(IllegalArgumentException.class, () -> SocketActivation.parse(env, 42), env.toString());
        }
    }
}
