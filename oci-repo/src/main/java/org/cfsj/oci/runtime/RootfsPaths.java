package org.cfsj.oci.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Looks up a path inside a container root filesystem as the container would see it: symlinks
 * are followed relative to the root, absolute targets and {@code ..} never leave it. Resolving
 * {@code rootfs.resolve("etc/passwd")} naively would follow an image's
 * {@code /etc/passwd -> /host/file} symlink onto the host.
 */
public final class RootfsPaths {
    private static final int MAX_SYMLINKS = 40; // as the kernel's path walk

    private RootfsPaths() {}

    /**
     * The host path of {@code containerPath} under {@code rootfs}, all symlinks resolved inside the
     * root, or empty if some component does not exist (or the symlinks loop).
     */
    public static Optional<Path> resolve(Path rootfs, String containerPath) throws IOException {
        Deque<String> todo = new ArrayDeque<>(split(containerPath));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path p = join(rootfs, done).resolve(name);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            if (Files.isSymbolicLink(p)) {
                if (++links > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> parts = split(target);
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.push(parts.get(i));
                }
                continue;
            }
            done.add(name);
        }
        return Optional.of(join(rootfs, done));
    }

    /** Whether {@code containerPath} is a directory inside the root (symlinks resolved inside it). */
    public static boolean isDirectory(Path rootfs, String containerPath) throws IOException {
        Optional<Path> p = resolve(rootfs, containerPath);
        return p.isPresent() && Files.isDirectory(p.get(), LinkOption.NOFOLLOW_LINKS);
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> names) {
        Path p = root;
        for (String n : names) {
            p = p.resolve(n);
        }
        return p;
    }
}
