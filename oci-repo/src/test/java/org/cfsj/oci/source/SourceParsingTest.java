package org.cfsj.oci.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SourceParsingTest {
    @Test
    void transports() {
        var r = assertInstanceOf(ImageSources.Registry.class, ImageSources.parse("docker://127.0.0.1:5000/a/b:t"));
        assertEquals("127.0.0.1:5000", r.reference().getRegistry());
        assertEquals("a/b", r.reference().getRepository());
        assertEquals("t", r.reference().getQualifier());
        var hub = assertInstanceOf(ImageSources.Registry.class, ImageSources.parse("docker://busybox"));
        assertEquals("library/busybox", hub.reference().getRepository());
        String d = "sha256:" + "ab".repeat(32);
        var byDigest = assertInstanceOf(ImageSources.Registry.class, ImageSources.parse("docker://localhost:1/x@" + d));
        assertEquals(d, byDigest.reference().getDigest().orElseThrow());

        var oci = assertInstanceOf(ImageSources.OciDir.class, ImageSources.parse("oci:/tmp/lay:v1"));
        assertEquals(Path.of("/tmp/lay"), oci.dir());
        assertEquals("v1", oci.tag());
        assertNull(assertInstanceOf(ImageSources.OciDir.class, ImageSources.parse("oci:rel/dir")).tag());
        var arch = assertInstanceOf(ImageSources.OciArchive.class, ImageSources.parse("oci-archive:/x/img.tar"));
        assertEquals("img", arch.defaultName());
        assertInstanceOf(ImageSources.DockerArchive.class, ImageSources.parse("docker-archive:/x/y.tar"));

        assertThrows(IllegalArgumentException.class, () -> ImageSources.parse("busybox"));
        assertThrows(IllegalArgumentException.class, () -> ImageSources.parse("docker:busybox"));
        assertThrows(IllegalArgumentException.class, () -> ImageSources.parse("ftp://x"));
        assertThrows(IllegalArgumentException.class, () -> ImageSources.parse("oci:"));
        assertThrows(IllegalArgumentException.class, () -> ImageSources.parse("oci:/x:"));
    }

    @Test
    void platforms() {
        Platform p = Platform.parse("linux/arm/v7");
        assertEquals("arm", p.architecture());
        assertEquals("v7", p.variant());
        assertTrue(p.accepts("linux", "arm", "v7"));
        assertFalse(p.accepts("linux", "arm", "v6"));
        assertTrue(p.accepts("linux", "arm", null));
        assertFalse(p.accepts("windows", "arm", "v7"));
        Platform arm64 = Platform.parse("linux/arm64");
        assertTrue(arm64.accepts("linux", "arm64", "v8"));
        assertTrue(Platform.parse("linux/arm64/v8").accepts("linux", "arm64", null));
        assertEquals("amd64", Platform.parse("linux/x86_64").architecture());
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux/amd64/v1/x"));
        assertEquals("linux", Platform.current().os());
    }

    @Test
    void challenges() {
        AuthChallenge c = AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\"");
        assertEquals("bearer", c.scheme());
        assertEquals("https://auth.docker.io/token", c.params().get("realm"));
        assertEquals("registry.docker.io", c.params().get("service"));
        assertEquals("repository:library/busybox:pull,push", c.params().get("scope"));
        AuthChallenge b = AuthChallenge.parse("Basic realm=\"Registry Realm\"");
        assertEquals("basic", b.scheme());
        assertEquals("Registry Realm", b.params().get("realm"));
        assertEquals("", AuthChallenge.parse(null).scheme());
    }

    @Test
    void loopback() {
        assertTrue(RegistrySource.isLoopback("127.0.0.1:5000"));
        assertTrue(RegistrySource.isLoopback("localhost:5000"));
        assertTrue(RegistrySource.isLoopback("[::1]:5000"));
        assertFalse(RegistrySource.isLoopback("registry-1.docker.io"));
        assertFalse(RegistrySource.isLoopback("10.0.0.1:5000"));
    }

    @Test
    void digests() {
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha512:" + "a".repeat(128)));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + "A".repeat(64)));
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.of(new byte[0]).toString());
    }
}
