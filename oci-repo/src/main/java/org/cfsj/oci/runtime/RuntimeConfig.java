package org.cfsj.oci.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The OCI runtime-spec {@code config.json} of a bundle whose {@code rootfs} is an image mount,
 * read-only or with a writable overlay on top ({@code root.readonly} says which). The mounts, capabilities, masked paths and namespaces are the defaults runc and crun
 * write with {@code spec} (runtime-spec config-linux.md "Default Filesystems" and "Default
 * Devices": the runtime itself creates /dev/null, zero, full, random, urandom, tty, ptmx and the
 * /dev/fd, stdin, stdout, stderr links in the /dev tmpfs), widened to the capability set Docker
 * and Podman grant by default.
 *
 * <p>A read-only root cannot gain directories, so a mount whose destination is not a directory
 * in the image is left out (with a warning) instead of making the runtime fail on mkdir. On a
 * writable root the runtime creates a missing destination; only one that the image has as
 * something other than a directory is left out.
 *
 * @param json     the document
 * @param warnings what was left out, one sentence each
 */
public record RuntimeConfig(ObjectNode json, List<String> warnings) {
    public static final String OCI_VERSION = "1.0.2";
    /** The capabilities runc, crun (as used by Podman) and Docker grant a container by default. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final List<String> MASKED_PATHS = List.of(
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One mount of the default set; {@code under} names the mount it lives in (null: the image root). */
    private record DefaultMount(String destination, String type, String source, List<String> options, String under) {}

    private static final List<DefaultMount> DEFAULT_MOUNTS = List.of(
            new DefaultMount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"), null),
            new DefaultMount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null),
            new DefaultMount("/dev/pts", "devpts", "devpts",
                    List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"), "/dev"),
            new DefaultMount("/dev/shm", "tmpfs", "shm",
                    List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"), "/dev"),
            new DefaultMount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"), "/dev"),
            new DefaultMount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"), null),
            new DefaultMount("/sys/fs/cgroup", "cgroup", "cgroup",
                    List.of("nosuid", "noexec", "nodev", "relatime", "ro"), "/sys"));

    /**
     * The config for running {@code settings} on the read-only root filesystem mounted at
     * {@code rootfs} (named {@code rootfs} relative to the bundle directory).
     */
    public static RuntimeConfig build(ContainerSettings settings, Path rootfs) throws IOException {
        return build(settings, rootfs, true);
    }

    /**
     * The config for running {@code settings} on the root filesystem mounted at {@code rootfs}
     * (named {@code rootfs} relative to the bundle directory), read-only or writable.
     */
    public static RuntimeConfig build(ContainerSettings settings, Path rootfs, boolean readOnlyRoot) throws IOException {
        List<String> warnings = new ArrayList<>();
        ObjectNode root = JSON.createObjectNode();
        root.put("ociVersion", OCI_VERSION);
        root.set("process", process(settings));
        ObjectNode r = root.putObject("root");
        r.put("path", "rootfs");
        r.put("readonly", readOnlyRoot);
        root.put("hostname", settings.hostname());

        ArrayNode mounts = root.putArray("mounts");
        List<String> present = new ArrayList<>();
        for (DefaultMount m : DEFAULT_MOUNTS) {
            boolean ok = m.under() != null ? present.contains(m.under())
                    : RootfsPaths.isDirectory(rootfs, m.destination())
                            || !readOnlyRoot && RootfsPaths.resolve(rootfs, m.destination()).isEmpty();
            if (!ok) {
                if (m.under() == null) {
                    warnings.add("the image has no " + m.destination() + " directory, so the container gets no "
                            + m.type() + " mount there (" + (readOnlyRoot ? "a read-only root cannot gain one"
                                    : "something else is in its place") + ")");
                }
                continue;
            }
            present.add(m.destination());
            ObjectNode mount = mounts.addObject();
            mount.put("destination", m.destination());
            mount.put("type", m.type());
            mount.put("source", m.source());
            strings(mount.putArray("options"), m.options());
        }

        ObjectNode linux = root.putObject("linux");
        ObjectNode resources = linux.putObject("resources");
        ObjectNode denyAll = resources.putArray("devices").addObject();
        denyAll.put("allow", false);
        denyAll.put("access", "rwm");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : settings.network() == Network.HOST
                ? List.of("pid", "ipc", "uts", "mount") : List.of("pid", "network", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        strings(linux.putArray("maskedPaths"), MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
        return new RuntimeConfig(root, List.copyOf(warnings));
    }

    private static ObjectNode process(ContainerSettings s) {
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", s.terminal());
        ObjectNode user = p.putObject("user");
        user.put("uid", s.user().uid());
        user.put("gid", s.user().gid());
        if (!s.user().additionalGids().isEmpty()) {
            ArrayNode extra = user.putArray("additionalGids");
            s.user().additionalGids().forEach(extra::add);
        }
        strings(p.putArray("args"), s.args());
        strings(p.putArray("env"), s.env());
        p.put("cwd", s.cwd());
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            strings(caps.putArray(set), DEFAULT_CAPABILITIES);
        }
        caps.putArray("inheritable");
        // setuid binaries in the image must work (su, ping, a test's setuid helper): no no_new_privs
        p.put("noNewPrivileges", false);
        return p;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** The document as written to config.json. */
    public String toJson() throws IOException {
        return JSON.writeValueAsString(json) + "\n";
    }

    /** Writes {@code DIR/config.json} (to a temp file first, then renamed into place). */
    public void write(Path bundleDir) throws IOException {
        Path tmp = bundleDir.resolve(".config.json.tmp");
        Files.writeString(tmp, toJson());
        Files.move(tmp, bundleDir.resolve("config.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
