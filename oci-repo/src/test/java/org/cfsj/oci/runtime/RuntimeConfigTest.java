package org.cfsj.oci.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json for an image config and a root filesystem on disk; read back with Jackson. */
class RuntimeConfigTest {
    @TempDir
    Path bundle;

    private Path rootfs(String... dirs) throws Exception {
        Path r = Files.createDirectories(bundle.resolve("rootfs"));
        for (String d : dirs) {
            Files.createDirectories(r.resolve(d));
        }
        Files.writeString(r.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nsvc:x:500:501::/var/svc:/bin/sh\n");
        Files.writeString(r.resolve("etc/group"), "root:x:0:\nsvc:x:501:\nextra:x:600:svc\n");
        return r;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void configCarriesTheImageProcess() throws Exception {
        Path rootfs = rootfs("etc", "proc", "dev", "sys", "srv");
        ImageProcess image = ImageProcess.fromImageConfig("""
                {"config":{"Entrypoint":["/bin/app"],"Cmd":["--serve"],"Env":["PATH=/app/bin","MODE=test"],
                 "WorkingDir":"srv","User":"svc"}}""".getBytes(StandardCharsets.UTF_8));
        ContainerSettings s = ContainerSettings.forImage(image, UserDatabase.read(rootfs), List.of(), false, Network.NONE, "c1");
        RuntimeConfig rc = RuntimeConfig.build(s, rootfs);
        rc.write(bundle);
        JsonNode c = new ObjectMapper().readTree(Files.readString(bundle.resolve("config.json")));

        assertEquals(RuntimeConfig.OCI_VERSION, c.get("ociVersion").asText());
        JsonNode p = c.get("process");
        assertEquals(List.of("/bin/app", "--serve"), texts(p.get("args")));
        assertEquals(List.of("PATH=/app/bin", "MODE=test", "HOME=/var/svc"), texts(p.get("env")));
        assertEquals("/srv", p.get("cwd").asText());
        assertEquals(500, p.get("user").get("uid").asLong());
        assertEquals(501, p.get("user").get("gid").asLong());
        assertEquals(List.of("600"), texts(p.get("user").get("additionalGids")));
        assertFalse(p.get("terminal").asBoolean());
        assertFalse(p.get("noNewPrivileges").asBoolean(), "setuid binaries of the image must work");
        assertEquals(RuntimeConfig.DEFAULT_CAPABILITIES, texts(p.get("capabilities").get("bounding")));
        assertEquals(RuntimeConfig.DEFAULT_CAPABILITIES, texts(p.get("capabilities").get("effective")));
        assertEquals(RuntimeConfig.DEFAULT_CAPABILITIES, texts(p.get("capabilities").get("permitted")));
        assertEquals(14, RuntimeConfig.DEFAULT_CAPABILITIES.size());

        assertEquals("rootfs", c.get("root").get("path").asText());
        assertTrue(c.get("root").get("readonly").asBoolean());
        assertEquals("c1", c.get("hostname").asText());
        List<String> mounts = new ArrayList<>();
        c.get("mounts").forEach(m -> mounts.add(m.get("destination").asText() + " " + m.get("type").asText()));
        assertEquals(List.of("/proc proc", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue",
                "/sys sysfs", "/sys/fs/cgroup cgroup"), mounts);
        assertTrue(texts(c.get("mounts").get(5).get("options")).contains("ro"), "/sys is read-only");
        assertTrue(rc.warnings().isEmpty(), rc.warnings().toString());
        List<String> ns = new ArrayList<>();
        c.get("linux").get("namespaces").forEach(n -> ns.add(n.get("type").asText()));
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount"), ns);
        assertTrue(texts(c.get("linux").get("maskedPaths")).contains("/proc/kcore"));
        assertTrue(texts(c.get("linux").get("readonlyPaths")).contains("/proc/sys"));
    }

    @Test
    void overrideTerminalAndHostNetwork() throws Exception {
        Path rootfs = rootfs("etc", "proc", "dev", "sys");
        ImageProcess image = ImageProcess.fromImageConfig("{\"config\":{\"Cmd\":[\"/bin/sh\"]}}".getBytes(StandardCharsets.UTF_8));
        ContainerSettings s = ContainerSettings.forImage(image, UserDatabase.read(rootfs), List.of("id", "-u"), true,
                Network.HOST, "h");
        JsonNode c = RuntimeConfig.build(s, rootfs).json();
        assertEquals(List.of("id", "-u"), texts(c.get("process").get("args")));
        assertTrue(c.get("process").get("terminal").asBoolean());
        assertEquals(List.of(ContainerSettings.DEFAULT_PATH, "HOME=/root", "TERM=xterm"), texts(c.get("process").get("env")));
        assertEquals("/", c.get("process").get("cwd").asText());
        assertFalse(c.get("process").get("user").has("additionalGids"));
        List<String> ns = new ArrayList<>();
        c.get("linux").get("namespaces").forEach(n -> ns.add(n.get("type").asText()));
        assertEquals(List.of("pid", "ipc", "uts", "mount"), ns, "the host's network namespace is shared");
    }

    @Test
    void mountsWithoutADirectoryInTheImageAreLeftOutWithAWarning() throws Exception {
        Path rootfs = rootfs("etc", "dev");
        ImageProcess image = ImageProcess.fromImageConfig("{\"config\":{\"Cmd\":[\"x\"]}}".getBytes(StandardCharsets.UTF_8));
        RuntimeConfig rc = RuntimeConfig.build(
                ContainerSettings.forImage(image, UserDatabase.read(rootfs), List.of(), false, Network.NONE, "h"), rootfs);
        List<String> mounts = new ArrayList<>();
        rc.json().get("mounts").forEach(m -> mounts.add(m.get("destination").asText()));
        assertEquals(List.of("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"), mounts);
        assertEquals(2, rc.warnings().size());
        assertTrue(rc.warnings().get(0).contains("no /proc directory"), rc.warnings().toString());
    }

    @Test
    void aWritableRootGetsEveryMountTheRuntimeCanCreate() throws Exception {
        Path rootfs = rootfs("etc", "dev");
        Files.writeString(rootfs.resolve("sys"), "a file where /sys would go");
        ImageProcess image = ImageProcess.fromImageConfig("{\"config\":{\"Cmd\":[\"x\"]}}".getBytes(StandardCharsets.UTF_8));
        RuntimeConfig rc = RuntimeConfig.build(
                ContainerSettings.forImage(image, UserDatabase.read(rootfs), List.of(), false, Network.NONE, "h"), rootfs, false);
        assertFalse(rc.json().get("root").get("readonly").asBoolean());
        List<String> mounts = new ArrayList<>();
        rc.json().get("mounts").forEach(m -> mounts.add(m.get("destination").asText()));
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"), mounts,
                "a missing /proc is created by the runtime; a file at /sys is not replaced");
        assertEquals(1, rc.warnings().size(), rc.warnings().toString());
        assertTrue(rc.warnings().get(0).contains("no /sys directory"), rc.warnings().toString());
    }

    @Test
    void nothingToRunIsAnError() throws Exception {
        Path rootfs = rootfs("etc");
        ImageProcess image = ImageProcess.fromImageConfig("{\"config\":{}}".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(BundleException.class, () -> ContainerSettings.forImage(image, UserDatabase.read(rootfs),
                List.of(), false, Network.NONE, "h")).getMessage().contains("after '--'"));
    }
}
