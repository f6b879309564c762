package org.cfsj.oci.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageProcessTest {
    private static ImageProcess parse(String json) throws BundleException {
        return ImageProcess.fromImageConfig(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheProcessFieldsOfTheConfig() throws Exception {
        ImageProcess p = parse("""
                {"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/tini","--"],"Cmd":["nginx","-g"],
                 "Env":["PATH=/bin","A=b=c"],"WorkingDir":"/srv","User":"www:web"},"rootfs":{"type":"layers","diff_ids":[]}}""");
        assertEquals(List.of("/bin/tini", "--"), p.entrypoint());
        assertEquals(List.of("nginx", "-g"), p.cmd());
        assertEquals(List.of("PATH=/bin", "A=b=c"), p.env());
        assertEquals("/srv", p.workingDir());
        assertEquals("www:web", p.user());
    }

    @Test
    void missingAndNullFieldsAreEmpty() throws Exception {
        ImageProcess p = parse("{\"config\":{\"Entrypoint\":null,\"Env\":null}}");
        assertTrue(p.entrypoint().isEmpty() && p.cmd().isEmpty() && p.env().isEmpty());
        assertEquals("", p.workingDir());
        assertEquals("", p.user());
        assertTrue(parse("{}").args(List.of()).isEmpty());
    }

    @Test
    void overrideReplacesCmdAndKeepsEntrypoint() throws Exception {
        ImageProcess p = parse("{\"config\":{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c1\",\"c2\"]}}");
        assertEquals(List.of("/e", "c1", "c2"), p.args(List.of()));
        assertEquals(List.of("/e", "x", "y"), p.args(List.of("x", "y")));
        assertEquals(List.of("sh", "-c", "true"), parse("{\"config\":{\"Cmd\":[\"/bin/sh\"]}}").args(List.of("sh", "-c", "true")));
    }

    @Test
    void badConfigsAreRefusedWithTheField() {
        assertTrue(assertThrows(BundleException.class, () -> parse("{\"config\":{\"Cmd\":\"sh\"}}")).getMessage().contains("Cmd"));
        assertTrue(assertThrows(BundleException.class, () -> parse("{\"config\":{\"Env\":[1]}}")).getMessage().contains("Env"));
        assertTrue(assertThrows(BundleException.class, () -> parse("{\"config\":{\"User\":0}}")).getMessage().contains("User"));
        assertTrue(assertThrows(BundleException.class, () -> parse("[1]")).getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(BundleException.class, () -> parse("{")).getMessage().contains("not valid JSON"));
    }
}
