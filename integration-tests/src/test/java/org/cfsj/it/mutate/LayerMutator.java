package org.cfsj.it.mutate;

import static org.cfsj.it.mutate.TarBuilder.b;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Mutates a valid layer tar: header fields overwritten with hostile values (checksum mostly
 * fixed so the value gets past it), hostile members inserted (the crafted inputs of issue 11:
 * deep and long paths, NUL in names, long symlink targets, PAX global headers that pile up,
 * oversized PAX records and xattrs, bad PAX numbers, hardlinks to nowhere, odd whiteouts, path
 * conflicts, device numbers, unusual type flags, base-256 numbers), members dropped, repeated or
 * swapped, and raw bit flips, overwrites, truncation or trailing garbage. Every hostile value is
 * bounded so that a correct importer finishes each case in well under a second.
 */
final class LayerMutator {
    record Mutated(byte[] tar, String description) {}

    private static final int[][] FIELDS = { // offset, width, numeric?
        {0, 100, 0}, {100, 8, 1}, {108, 8, 1}, {116, 8, 1}, {124, 12, 1}, {136, 12, 1}, {156, 1, 0}, {157, 100, 0},
        {257, 8, 0}, {265, 32, 0}, {329, 8, 1}, {337, 8, 1}, {345, 155, 0},
    };
    private static final String[] NAMES = {"../escape", "/abs/path", "a/../../b", "", ".", "./", "a//b", "..", "x\0y",
        ".wh..wh..opq", ".wh.", ".wh..", "etc/hostname/below-a-file", "usr/lib64/through-symlink", "dev/null/x",
        "p/../../../etc/shadow", "\u00ff\u00fe", "usr/bin", "etc", "/"};
    private static final String TYPES = "0123456 7LKxgSVDMNZ\0";

    Mutated mutate(LayerBases.Base base, Random rnd) {
        StringBuilder what = new StringBuilder("base '" + base.name() + "': ");
        List<TarBuilder.Member> members = new ArrayList<>();
        for (TarBuilder.Member m : base.members()) {
            members.add(new TarBuilder.Member(m.bytes().clone(), m.headers()));
        }
        int ops = 1 + rnd.nextInt(3);
        for (int k = 0; k < ops; k++) {
            int c = rnd.nextInt(100);
            if (c < 30) {
                headerField(members, rnd, what);
            } else if (c < 65) {
                int at = rnd.nextInt(members.size() + 1);
                TarBuilder.Member crafted = crafted(rnd, what);
                members.add(at, crafted);
                what.append(" at member ").append(at).append("; ");
            } else if (c < 80) {
                structural(members, rnd, what);
            } else {
                byte[] tar = TarBuilder.concat(members);
                return new Mutated(raw(tar, rnd, what), what.toString().strip());
            }
        }
        return new Mutated(TarBuilder.concat(members), what.toString().strip());
    }

    private static void headerField(List<TarBuilder.Member> members, Random rnd, StringBuilder what) {
        if (members.isEmpty()) {
            return;
        }
        int mi = rnd.nextInt(members.size());
        TarBuilder.Member m = members.get(mi);
        int h = m.headers()[rnd.nextInt(m.headers().length)];
        int[] f = FIELDS[rnd.nextInt(FIELDS.length)];
        byte[] v;
        if (f[2] == 1) {
            v = switch (rnd.nextInt(9)) {
                case 0 -> b(Long.toOctalString(rnd.nextLong() & 0x1FFFFFFFFL));
                case 1 -> b("7".repeat(f[1] - 1));
                case 2 -> b("-1");
                case 3 -> b("zz");
                case 4 -> b(" ".repeat(f[1]));
                case 5 -> base256(f[1], rnd.nextBoolean() ? rnd.nextLong() : Long.MAX_VALUE, false);
                case 6 -> base256(f[1], -1 - rnd.nextInt(1 << 20), true);
                case 7 -> new byte[0];
                default -> b(Long.toOctalString(rnd.nextInt(1 << 16)));
            };
        } else if (f[1] == 1) {
            v = new byte[] {(byte) TYPES.charAt(rnd.nextInt(TYPES.length()))};
        } else {
            v = switch (rnd.nextInt(4)) {
                case 0, 1 -> b(NAMES[rnd.nextInt(NAMES.length)]);
                case 2 -> LayerBases.random(rnd, rnd.nextInt(f[1] + 1));
                default -> b("q".repeat(f[1])); // no terminating NUL
            };
        }
        byte[] bytes = m.bytes();
        Arrays.fill(bytes, h + f[0], h + f[0] + f[1], (byte) 0);
        System.arraycopy(v, 0, bytes, h + f[0], Math.min(v.length, f[1]));
        boolean fix = rnd.nextInt(100) < 85;
        if (fix) {
            TarBuilder.checksum(bytes, h);
        }
        what.append(String.format("member %d header@%d field %d/%d = %s%s; ", mi, h, f[0], f[1], show(v),
                fix ? "" : " (checksum left wrong)"));
    }

    private static byte[] base256(int width, long value, boolean negative) {
        byte[] v = new byte[width];
        for (int i = width - 1; i >= 1; i--) {
            v[i] = (byte) value;
            value >>= 8;
        }
        v[0] = (byte) (negative ? 0xFF : 0x80);
        return v;
    }

    private static void structural(List<TarBuilder.Member> members, Random rnd, StringBuilder what) {
        if (members.isEmpty()) {
            return;
        }
        int i = rnd.nextInt(members.size());
        switch (rnd.nextInt(5)) {
            case 0 -> {
                members.add(i, members.get(i));
                what.append("repeat member ").append(i).append("; ");
            }
            case 1 -> {
                members.remove(i);
                what.append("drop member ").append(i).append("; ");
            }
            case 2 -> {
                int j = rnd.nextInt(members.size());
                TarBuilder.Member t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
                what.append("swap members ").append(i).append(" and ").append(j).append("; ");
            }
            case 3 -> {
                members.add(i, new TarBuilder.Member(new byte[TarBuilder.BLOCK], new int[] {0}));
                what.append("zero block before member ").append(i).append("; ");
            }
            default -> {
                int times = 2 + rnd.nextInt(200);
                for (int t = 0; t < times; t++) {
                    members.add(i, members.get(i));
                }
                what.append("member ").append(i).append(" repeated ").append(times).append(" times; ");
            }
        }
    }

    private static byte[] raw(byte[] tar, Random rnd, StringBuilder what) {
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int at = rnd.nextInt(tar.length);
                int bit = rnd.nextInt(8);
                tar[at] ^= (byte) (1 << bit);
                what.append("flip@").append(at).append('.').append(bit).append("; ");
            }
            case 1 -> {
                // mostly inside a header block, where the parser looks
                int block = rnd.nextInt(Math.max(1, tar.length / TarBuilder.BLOCK));
                int at = block * TarBuilder.BLOCK + rnd.nextInt(TarBuilder.BLOCK);
                int len = 1 + rnd.nextInt(16);
                for (int i = at; i < Math.min(tar.length, at + len); i++) {
                    tar[i] = (byte) rnd.nextInt();
                }
                what.append("overwrite@").append(at).append('+').append(len).append("; ");
            }
            case 2 -> {
                int len = rnd.nextInt(tar.length);
                what.append("truncate to ").append(len).append("; ");
                return Arrays.copyOf(tar, len);
            }
            case 3 -> {
                int len = 1 + rnd.nextInt(3000);
                byte[] out = Arrays.copyOf(tar, tar.length + len);
                for (int i = tar.length; i < out.length; i++) {
                    out[i] = (byte) rnd.nextInt();
                }
                what.append("append ").append(len).append(" random bytes; ");
                return out;
            }
            default -> {
                int len = tar.length - 2 * TarBuilder.BLOCK;
                what.append("no end-of-archive blocks; ");
                return Arrays.copyOf(tar, Math.max(0, len));
            }
        }
        return tar;
    }

    /** One hostile member (or a few), described in {@code what}. */
    static TarBuilder.Member crafted(Random rnd, StringBuilder what) {
        TarBuilder t = new TarBuilder();
        int kind = rnd.nextInt(16);
        switch (kind) {
            case 0 -> {
                int[] depths = {100, 1000, 4096, 10_000, 40_000};
                int depth = depths[rnd.nextInt(depths.length)];
                t.file("a/".repeat(depth) + "f", 0644, b("deep"), Map.of());
                what.append("PAX path of ").append(depth + 1).append(" components");
            }
            case 1 -> {
                int[] lens = {255, 256, 300, 4096, 5000};
                int len = lens[rnd.nextInt(lens.length)];
                t.file("opt/" + "c".repeat(len), 0644, b("long"), Map.of());
                what.append("name component of ").append(len).append(" bytes");
            }
            case 2 -> {
                String[] names = {"opt/x\0y", "opt/\0", "opt/a\nb", "opt/\u00ff", "opt/x/\0/y"};
                String n = names[rnd.nextInt(names.length)];
                t.file(n, 0644, b("nul"), Map.of("path", b(n)));
                what.append("PAX path ").append(show(b(n)));
            }
            case 3 -> {
                int[] lens = {4094, 4095, 4096, 5001, 70_000};
                int len = lens[rnd.nextInt(lens.length)];
                t.entry(b("opt/longtarget"), '2', 0777, null, b("t".repeat(len)), 0, 0, Map.of());
                what.append("symlink target of ").append(len).append(" bytes");
            }
            case 4 -> {
                int headers = 1 + rnd.nextInt(150);
                int records = 1 + rnd.nextInt(20);
                int size = 10 + rnd.nextInt(100);
                for (int h = 0; h < headers; h++) {
                    Map<String, byte[]> g = new LinkedHashMap<>();
                    for (int i = 0; i < records; i++) {
                        g.put("SCHILY.xattr.user.g" + h + "_" + i, LayerBases.random(rnd, size));
                    }
                    t.global(g);
                    t.file("opt/g" + h, b("after global " + h));
                }
                what.append(headers).append(" PAX global headers of ").append(records).append(" xattr records of ")
                        .append(size).append(" bytes, a file after each");
            }
            case 5 -> {
                int[] sizes = {65_536, 65_537, 300_000};
                int size = sizes[rnd.nextInt(sizes.length)];
                t.file("opt/bigxattr", 0644, b("x"), Map.of("SCHILY.xattr.user.big", LayerBases.random(rnd, size)));
                what.append("one xattr value of ").append(size).append(" bytes");
            }
            case 6 -> {
                int[] counts = {100, 1000, 5000};
                int count = counts[rnd.nextInt(counts.length)];
                Map<String, byte[]> x = new LinkedHashMap<>();
                for (int i = 0; i < count; i++) {
                    x.put("SCHILY.xattr.user.x" + i, b("v" + i));
                }
                t.file("opt/manyxattrs", 0644, b("x"), x);
                what.append(count).append(" xattrs on one file");
            }
            case 7 -> {
                String[][] odd = {{"SCHILY.xattr.", "v"}, {"SCHILY.xattr.noprefix", "v"}, {"SCHILY.xattr.user.", "v"},
                    {"SCHILY.xattr.user." + "n".repeat(300), "v"}, {"SCHILY.xattr.user.nul", "a\0b"},
                    {"SCHILY.xattr.trusted.overlay.redirect", "/../../etc/shadow"},
                    {"SCHILY.xattr.trusted.overlay.metacopy", "\0\44\0\1"}, {"SCHILY.xattr.trusted.overlay.overlay.x", "y"},
                    {"SCHILY.xattr.system.posix_acl_access", "\2\0\0\0junk"}, {"LIBARCHIVE.xattr.user.b64", "dmFsdWU="}};
                String[] p = odd[rnd.nextInt(odd.length)];
                t.file("opt/oddxattr", 0644, b("x"), Map.of(p[0], b(p[1])));
                what.append("xattr record ").append(show(b(p[0]))).append('=').append(show(b(p[1])));
            }
            case 8 -> {
                String[][] odd = {{"size", "-1"}, {"size", "99999999999999999999"}, {"size", "abc"}, {"size", "600"},
                    {"path", ""}, {"uid", "-1"}, {"gid", "99999999999999999999"}, {"mtime", "1e99"}, {"mtime", "-5.5"},
                    {"mtime", "."}, {"GNU.sparse.size", "100"}, {"GNU.sparse.map", "0,1,2"}, {"linkpath", "etc/passwd"},
                    {"path", "../../etc/x"}, {"path", "/abs"}, {"hdrcharset", "BINARY"}, {"comment", ""}};
                String[] p = odd[rnd.nextInt(odd.length)];
                t.file("opt/oddpax", 0644, b("content"), Map.of(p[0], b(p[1])));
                what.append("PAX record ").append(p[0]).append('=').append(show(b(p[1])));
            }
            case 9 -> {
                String[] targets = {"opt/nowhere", "etc", "opt/self", "opt/later", "", "/etc/passwd", "../x", "usr/bin/link"};
                String target = targets[rnd.nextInt(targets.length)];
                t.hardlink("opt/self".equals(target) ? "opt/self" : "opt/hl", target);
                if ("opt/later".equals(target)) {
                    t.file("opt/later", b("later"));
                }
                what.append("hardlink to ").append(show(b(target)));
            }
            case 10 -> {
                String[] names = {".wh.", ".wh..wh..opq", ".wh..", ".wh...", ".wh..wh.foo", "etc/hostname/.wh.x",
                    ".wh.etc", "usr/.wh.bin", "dev/.wh.null", ".wh." + "w".repeat(252)};
                String n = names[rnd.nextInt(names.length)];
                t.file(n, b(""));
                what.append("whiteout ").append(show(b(n)));
            }
            case 11 -> {
                switch (rnd.nextInt(4)) {
                    case 0 -> t.file("opt/clash", b("file")).dir("opt/clash").file("opt/clash/in", b("in"));
                    case 1 -> t.dir("opt/clash").file("opt/clash/in", b("in")).file("opt/clash", b("file"));
                    case 2 -> t.symlink("opt/sl", "/etc").file("opt/sl/passwd", b("through a symlink"));
                    default -> t.file("etc/hostname/child", b("below a file"));
                }
                what.append("path conflict");
            }
            case 12 -> {
                int major = rnd.nextBoolean() ? 07777777 : rnd.nextInt(1 << 12);
                int minor = rnd.nextBoolean() ? 07777777 : rnd.nextInt(1 << 20);
                char type = rnd.nextBoolean() ? '3' : '4';
                t.entry(b("opt/dev"), type, rnd.nextBoolean() ? 0170777 : 06666, null, null, major, minor, Map.of());
                what.append("device ").append(type).append(' ').append(major).append(':').append(minor);
            }
            case 13 -> {
                char type = "SVDMN7\0Zxg".charAt(rnd.nextInt(10));
                t.entry(b("opt/odd-type"), type, 0644, b("data of an odd member"), null, 0, 0, Map.of());
                what.append("member of type ").append(show(new byte[] {(byte) type}));
            }
            case 14 -> {
                int times = 1 + rnd.nextInt(200);
                int len = 100 + rnd.nextInt(4000);
                TarBuilder g = new TarBuilder().longNames(TarBuilder.LongNames.GNU);
                for (int i = 0; i < times; i++) {
                    g.entry(b("opt/" + "L".repeat(len)), 'L', 0644, null, null, 0, 0, Map.of());
                }
                g.file("opt/after-longlinks", b("x"));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                g.members().forEach(m -> out.writeBytes(m.bytes()));
                what.append(times).append(" GNU long-name members of ").append(len).append(" bytes in a row");
                return new TarBuilder.Member(out.toByteArray(), new int[] {0});
            }
            default -> {
                byte[] h = t.header(b("opt/base256"), 0644, 0, '0', null, 0, 0);
                int field = new int[] {124, 136, 108}[rnd.nextInt(3)];
                byte[] v = base256(field == 108 ? 8 : 12, rnd.nextBoolean() ? Long.MAX_VALUE : -2, rnd.nextBoolean());
                System.arraycopy(v, 0, h, field, v.length);
                TarBuilder.checksum(h, 0);
                what.append("base-256 number in field ").append(field);
                return new TarBuilder.Member(h, new int[] {0});
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> headers = new ArrayList<>();
        for (TarBuilder.Member m : t.members()) {
            for (int h : m.headers()) {
                headers.add(out.size() + h);
            }
            out.writeBytes(m.bytes());
        }
        return new TarBuilder.Member(out.toByteArray(), headers.stream().mapToInt(Integer::intValue).toArray());
    }

    static String show(byte[] v) {
        return "'" + ServerWalk.printable(v) + "'";
    }
}
