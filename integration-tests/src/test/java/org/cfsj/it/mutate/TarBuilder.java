package org.cfsj.it.mutate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes layer tars member by member, keeping each member (its extension headers, header and data)
 * as a separate byte string with the offsets of its header blocks, so that a mutation can edit a
 * header field, or drop, repeat, swap or insert whole members. Long names go into PAX records,
 * GNU {@code ././@LongLink} members or the ustar prefix, as chosen.
 */
final class TarBuilder {
    static final int BLOCK = 512;

    /** How a name longer than the 100-byte header field is stored. */
    enum LongNames { PAX, GNU, USTAR }

    /** One member: its bytes and where its header blocks start in them. */
    record Member(byte[] bytes, int[] headers) {}

    private final List<Member> members = new ArrayList<>();
    private LongNames longNames = LongNames.PAX;
    private long mtime = 1_700_000_000L;

    TarBuilder longNames(LongNames mode) {
        this.longNames = mode;
        return this;
    }

    List<Member> members() {
        return members;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    TarBuilder dir(String path) {
        return entry(b(path.endsWith("/") ? path : path + "/"), '5', 0755, null, null, 0, 0, Map.of());
    }

    TarBuilder file(String path, byte[] content) {
        return entry(b(path), '0', 0644, content, null, 0, 0, Map.of());
    }

    TarBuilder file(String path, int mode, byte[] content, Map<String, byte[]> pax) {
        return entry(b(path), '0', mode, content, null, 0, 0, pax);
    }

    TarBuilder symlink(String path, String target) {
        return entry(b(path), '2', 0777, null, b(target), 0, 0, Map.of());
    }

    TarBuilder hardlink(String path, String target) {
        return entry(b(path), '1', 0644, null, b(target), 0, 0, Map.of());
    }

    TarBuilder charDevice(String path, int major, int minor) {
        return entry(b(path), '3', 0666, null, null, major, minor, Map.of());
    }

    TarBuilder fifo(String path) {
        return entry(b(path), '6', 0644, null, null, 0, 0, Map.of());
    }

    /** A PAX global header ('g'): applies to every later member. */
    TarBuilder global(Map<String, byte[]> records) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        byte[] body = paxBody(records);
        m.writeBytes(header(b("pax_global_header"), 0644, body.length, 'g', null, 0, 0));
        m.writeBytes(padded(body));
        members.add(new Member(m.toByteArray(), new int[] {0}));
        return this;
    }

    /**
     * Any member: {@code extraPax} records go into a PAX header of its own ('x') together with a
     * long path or link target when the mode is PAX.
     */
    TarBuilder entry(byte[] path, char type, int mode, byte[] content, byte[] link, int major, int minor,
            Map<String, byte[]> extraPax) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        List<Integer> headers = new ArrayList<>();
        Map<String, byte[]> pax = new LinkedHashMap<>(extraPax);
        byte[] name = path;
        byte[] prefix = null;
        if (path.length > 100) {
            switch (longNames) {
                case PAX -> {
                    pax.put("path", path);
                    name = Arrays.copyOf(path, 100);
                }
                case GNU -> {
                    headers.add(m.size());
                    byte[] data = Arrays.copyOf(path, path.length + 1);
                    m.writeBytes(header(b("././@LongLink"), 0644, data.length, 'L', null, 0, 0));
                    m.writeBytes(padded(data));
                    name = Arrays.copyOf(path, 100);
                }
                case USTAR -> {
                    int cut = -1;
                    for (int i = Math.min(path.length - 1, 155); i > 0; i--) {
                        if (path[i] == '/' && path.length - i - 1 <= 100) {
                            cut = i;
                            break;
                        }
                    }
                    if (cut > 0) {
                        prefix = Arrays.copyOf(path, cut);
                        name = Arrays.copyOfRange(path, cut + 1, path.length);
                    } else {
                        name = Arrays.copyOf(path, 100);
                    }
                }
            }
        }
        if (link != null && link.length > 100) {
            if (longNames == LongNames.GNU) {
                headers.add(m.size());
                byte[] data = Arrays.copyOf(link, link.length + 1);
                m.writeBytes(header(b("././@LongLink"), 0644, data.length, 'K', null, 0, 0));
                m.writeBytes(padded(data));
            } else {
                pax.put("linkpath", link);
            }
            link = Arrays.copyOf(link, 100);
        }
        if (!pax.isEmpty()) {
            byte[] body = paxBody(pax);
            headers.add(m.size());
            m.writeBytes(header(b("PaxHeaders/" + new String(name, 0, Math.min(name.length, 80), StandardCharsets.ISO_8859_1)),
                    0644, body.length, 'x', null, 0, 0));
            m.writeBytes(padded(body));
        }
        long size = content == null ? 0 : content.length;
        headers.add(m.size());
        byte[] h = header(name, mode, size, type, link, major, minor);
        if (prefix != null) {
            System.arraycopy(prefix, 0, h, 345, Math.min(prefix.length, 155));
            checksum(h, 0);
        }
        m.writeBytes(h);
        if (content != null) {
            m.writeBytes(padded(content));
        }
        members.add(new Member(m.toByteArray(), headers.stream().mapToInt(Integer::intValue).toArray()));
        return this;
    }

    byte[] header(byte[] name, int mode, long size, char type, byte[] link, int major, int minor) {
        byte[] h = new byte[BLOCK];
        System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        if (link != null) {
            System.arraycopy(link, 0, h, 157, Math.min(link.length, 100));
        }
        System.arraycopy(b("ustar\0"), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        System.arraycopy(b("root"), 0, h, 265, 4);
        System.arraycopy(b("root"), 0, h, 297, 4);
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        checksum(h, 0);
        return h;
    }

    /** Writes {@code value} as zero-padded octal digits and a NUL into {@code width} bytes. */
    static void octal(byte[] h, int at, int width, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > width - 1) {
            s = s.substring(s.length() - (width - 1));
        }
        s = "0".repeat(width - 1 - s.length()) + s;
        System.arraycopy(b(s), 0, h, at, width - 1);
        h[at + width - 1] = 0;
    }

    /** Sets the checksum of the header block at {@code at}. */
    static void checksum(byte[] tar, int at) {
        Arrays.fill(tar, at + 148, at + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += tar[at + i] & 0xff;
        }
        String s = String.format("%06o", sum);
        System.arraycopy(b(s), 0, tar, at + 148, 6);
        tar[at + 154] = 0;
        tar[at + 155] = ' ';
    }

    static byte[] paxBody(Map<String, byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        records.forEach((k, v) -> out.writeBytes(paxRecord(b(k), v)));
        return out.toByteArray();
    }

    /** {@code "LEN key=value\n"}, LEN counting itself. */
    static byte[] paxRecord(byte[] key, byte[] value) {
        int rest = 1 + key.length + 1 + value.length + 1;
        int len = rest + 1;
        while (Integer.toString(len).length() + rest != len) {
            len = Integer.toString(len).length() + rest;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(len);
        out.writeBytes(b(len + " "));
        out.writeBytes(key);
        out.write('=');
        out.writeBytes(value);
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] padded(byte[] data) {
        return Arrays.copyOf(data, (data.length + BLOCK - 1) / BLOCK * BLOCK);
    }

    /** The members, then the two zero blocks that end an archive. */
    static byte[] concat(List<Member> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Member m : members) {
            out.writeBytes(m.bytes());
        }
        out.writeBytes(new byte[2 * BLOCK]);
        return out.toByteArray();
    }
}
