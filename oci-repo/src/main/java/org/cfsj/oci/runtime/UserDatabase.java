package org.cfsj.oci.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An image's {@code /etc/passwd} and {@code /etc/group}, read from its root filesystem. Either
 * file may be missing (a scratch image has neither); malformed lines are skipped, as libc's
 * getpwnam skips them.
 */
public record UserDatabase(List<Passwd> users, List<Group> groups) {
    /** One {@code /etc/passwd} line: {@code name:password:uid:gid:gecos:home:shell}. */
    public record Passwd(String name, long uid, long gid, String home) {}

    /** One {@code /etc/group} line: {@code name:password:gid:member,member}. */
    public record Group(String name, long gid, List<String> members) {
        public Group {
            members = List.copyOf(members);
        }
    }

    public UserDatabase {
        users = List.copyOf(users);
        groups = List.copyOf(groups);
    }

    /** Reads {@code /etc/passwd} and {@code /etc/group} of the root filesystem at {@code rootfs}. */
    public static UserDatabase read(Path rootfs) throws IOException {
        return new UserDatabase(
                parsePasswd(lines(rootfs, "/etc/passwd")),
                parseGroup(lines(rootfs, "/etc/group")));
    }

    private static List<String> lines(Path rootfs, String file) throws IOException {
        Optional<Path> p = RootfsPaths.resolve(rootfs, file);
        if (p.isEmpty() || !Files.isRegularFile(p.get())) {
            return List.of();
        }
        // ISO-8859-1 maps every byte: odd bytes in a GECOS field must not fail the lookup
        return Files.readAllLines(p.get(), StandardCharsets.ISO_8859_1);
    }

    static List<Passwd> parsePasswd(List<String> lines) {
        List<Passwd> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length < 7 || f[0].isEmpty() || line.startsWith("#")) {
                continue;
            }
            OptionalId uid = OptionalId.parse(f[2]);
            OptionalId gid = OptionalId.parse(f[3]);
            if (uid.valid() && gid.valid()) {
                out.add(new Passwd(f[0], uid.value(), gid.value(), f[5]));
            }
        }
        return out;
    }

    static List<Group> parseGroup(List<String> lines) {
        List<Group> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length < 4 || f[0].isEmpty() || line.startsWith("#")) {
                continue;
            }
            OptionalId gid = OptionalId.parse(f[2]);
            if (!gid.valid()) {
                continue;
            }
            List<String> members = new ArrayList<>();
            for (String m : f[3].split(",")) {
                if (!m.isBlank()) {
                    members.add(m.strip());
                }
            }
            out.add(new Group(f[0], gid.value(), members));
        }
        return out;
    }

    public Optional<Passwd> user(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public Optional<Passwd> user(long uid) {
        return users.stream().filter(u -> u.uid() == uid).findFirst();
    }

    public Optional<Group> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** A numeric id as found in these files: decimal, 0 .. 2^32-2 (2^32-1 is "no id"). */
    record OptionalId(boolean valid, long value) {
        static final long MAX = 0xFFFF_FFFEL;

        static OptionalId parse(String s) {
            if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return new OptionalId(false, 0);
            }
            long v = Long.parseLong(s);
            return new OptionalId(v <= MAX, v);
        }
    }
}
