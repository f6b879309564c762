package org.cfsj.it.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cfsj.it.TestRegistry;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private registry as users meet them: HTTPS with a certificate the machine does not trust,
 * and basic authentication (Debian's docker-registry with a self-signed certificate and an
 * htpasswd file). The demo image is pushed there with skopeo, then pulled with cfsj: with
 * {@code --tls-verify=false} and an auth file it arrives with the same image id as from the OCI
 * layout it was pushed from; without credentials, with a wrong password, or without
 * {@code --tls-verify=false} the pull fails with a message that says why (no stack trace) and
 * stores nothing under the name.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PrivateRegistryTest {
    static final String USER = "cfsj";
    static final String PASSWORD = "s3cret-pw";

    @TempDir
    static Path tmp;

    static TestRegistry registry;
    static Path layout;
    static Path noCredsHome;

    @BeforeAll
    static void pushTheDemoImage() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("skopeo", "openssl", "htpasswd")) {
            if (!Command.onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!TestRegistry.available()) {
            missing.add("docker-registry");
        }
        if (!missing.isEmpty()) {
            String why = "PrivateRegistryTest needs " + missing + " (apt-get install skopeo openssl apache2-utils docker-registry)";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "SKIPPED: " + why);
        }
        layout = tmp.resolve("layout");
        Command.of(Path.of(System.getProperty("cfsj.root.dir"), "examples", "default-image", "build-layout.sh").toString(), layout.toString()).check();
        registry = TestRegistry.startSecured(tmp.resolve("registry"), USER, PASSWORD);
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "--dest-creds", USER + ":" + PASSWORD, "oci:" + layout + ":latest", "docker://" + registry.host() + "/demo:1").check();
        noCredsHome = Files.createDirectories(tmp.resolve("home"));
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    /** cfsj with no credentials from the environment: no $REGISTRY_AUTH_FILE, an empty runtime dir. */
    private static Result cfsj(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "-u", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR=" + noCredsHome,
                "HOME=" + noCredsHome));
        cmd.addAll(Cfsj.argv(List.of(args)));
        return Command.of(cmd).timeoutSeconds(300).run();
    }

    private static Path authFile(String password) throws Exception {
        String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        Path f = tmp.resolve("auth-" + password + ".json");
        Files.writeString(f, "{\"auths\": {\"" + registry.host() + "\": {\"auth\": \"" + auth + "\"}}}");
        return f;
    }

    private static void assertCleanFailure(Result r, String expected, String what) {
        assertNotEquals(0, r.exit(), what + " should fail: " + r.describe());
        assertTrue(r.err().toLowerCase().contains(expected), what + ": the message should say '" + expected + "': " + r.describe());
        assertFalse(r.err().contains("\tat "), what + ": a stack trace instead of a message: " + r.describe());
    }

    private static String imageId(Path repo, String name) throws Exception {
        Result r = cfsj("--repo", repo.toString(), "oci", "images");
        assertEquals(0, r.exit(), r.describe());
        // NAME  IMAGE ID  SIZE  CREATED
        return r.outLatin1().lines().map(l -> l.trim().split("\\s+")).filter(f -> f.length > 1 && f[0].equals(name))
                .map(f -> f[1]).findFirst().orElse(null);
    }

    @Test
    void pullsWithCredentialsAndWithoutTlsVerification() throws Exception {
        Path repo = tmp.resolve("repo-ok");
        Result r = cfsj("--repo", repo.toString(), "oci", "pull", "--quiet", "--tls-verify=false", "--authfile",
                authFile(PASSWORD).toString(), "docker://" + registry.host() + "/demo:1", "demo");
        assertEquals(0, r.exit(), r.describe());
        Path reference = tmp.resolve("repo-layout");
        Result l = cfsj("--repo", reference.toString(), "oci", "pull", "--quiet", "oci:" + layout + ":latest", "demo");
        assertEquals(0, l.exit(), l.describe());
        String pulled = imageId(repo, "demo");
        assertTrue(pulled != null, "demo is listed after the pull");
        assertEquals(imageId(reference, "demo"), pulled, "the same image as from the layout");
    }

    @Test
    void noCredentialsWrongPasswordAndAnUntrustedCertificateFailClearly() throws Exception {
        Path repo = tmp.resolve("repo-fail");
        String ref = "docker://" + registry.host() + "/demo:1";
        assertCleanFailure(cfsj("--repo", repo.toString(), "oci", "pull", "--quiet", "--tls-verify=false", ref, "demo"),
                "no credentials were found", "no credentials");
        assertCleanFailure(cfsj("--repo", repo.toString(), "oci", "pull", "--quiet", "--tls-verify=false", "--authfile",
                authFile("wrong").toString(), ref, "demo"), "authentication failed", "a wrong password");
        assertCleanFailure(cfsj("--repo", repo.toString(), "oci", "pull", "--quiet", "--authfile",
                authFile(PASSWORD).toString(), ref, "demo"), "certificate", "an untrusted certificate");
        if (Files.exists(repo)) {
            assertEquals(null, imageId(repo, "demo"), "nothing stored under the name");
        }
    }
}
