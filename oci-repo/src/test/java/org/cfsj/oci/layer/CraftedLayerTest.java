package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.Repository;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers crafted to exhaust or confuse the importer: PAX headers that pile up, records too
 * large for the format, names and symlink targets no EROFS image can hold, numbers that are
 * not numbers. Each must either import in time linear in its size or be refused with a
 * one-line message that says what is wrong and names the member, linking nothing.
 */
class CraftedLayerTest {
    /** Generous: the fixed importer takes about a second for the largest layer here. */
    private static final Duration LINEAR = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /**
     * 1M distinct global records over 20,000 members, each member with a small 'x' header of
     * its own. Re-applying every global record to every member is quadratic (about 10^10 map
     * entries copied: far beyond the timeout); keeping only what a member can use is linear.
     */
    @Test
    void millionGlobalRecordsImportInLinearTime() throws IOException {
        RawTar t = new RawTar().pax('g', RawTar.record("uid", "7"));
        int members = 20_000;
        int perHeader = 50;
        for (int m = 0; m < members; m++) {
            byte[][] records = new byte[perHeader][];
            for (int r = 0; r < perHeader; r++) {
                records[r] = RawTar.record("comment" + (m * perHeader + r), "1");
            }
            t.pax('g', records).pax('x', RawTar.record("mtime", String.valueOf(1_600_000_000 + m)))
                    .file("f" + m, new byte[0]);
        }
        byte[] tar = t.finish();
        Repository repo = Repository.init(tmp.resolve("r"));
        LayerImporter.Imported imported = assertTimeoutPreemptively(LINEAR,
                () -> LayerImporter.importLayerWithTree(repo, new ByteArrayInputStream(tar), TestTar.diffId(tar)));
        assertEquals(members, imported.result().entries());
        RegularFile last = (RegularFile) imported.tree().root().get("f" + (members - 1));
        assertEquals(7, last.meta().uid(), "the global uid still applies to every member");
        assertEquals(1_600_000_000L + members - 1, last.meta().mtimeSec());
    }

    /**
     * Global headers each adding a 1 KiB xattr: every later member would carry all of them
     * (quadratic memory: the old importer ran out of heap). The global xattrs reach the
     * per-entry limit after about a hundred headers, and the layer is refused there. Run in a
     * JVM of 160 MiB heap so that bounded memory is part of what is tested.
     */
    @Test
    void accumulatingGlobalXattrsAreRefusedInBoundedMemory() throws Exception {
        RawTar t = new RawTar();
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) 'v');
        for (int m = 0; m < 3000; m++) {
            t.pax('g', RawTar.record("SCHILY.xattr.user.g" + m, value)).file("f" + m, new byte[0]);
        }
        byte[] tar = t.finish();
        Path tarFile = Files.write(tmp.resolve("layer.tar"), tar);
        Repository repo = Repository.init(tmp.resolve("r"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx160m", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ImportMain.class.getName(), repo.root().toString(),
                tarFile.toString(), TestTar.diffId(tar)).redirectErrorStream(true).start();
        String out;
        try {
            out = assertTimeoutPreemptively(LINEAR, () -> new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertFalse(out.contains("OutOfMemoryError"), out);
        assertTrue(out.contains(BadLayerException.class.getName()), out);
        assertTrue(out.contains("xattr"), out);
        assertEquals(List.of(), repo.streams().list());
    }

    /** One 60,000-byte global xattr is fine for one member, not for 2,500 of them (150 MB). */
    @Test
    void xattrBytesPerLayerAreBounded() throws IOException {
        byte[] value = new byte[60_000];
        RawTar t = new RawTar().pax('g', RawTar.record("SCHILY.xattr.user.big", value));
        for (int m = 0; m < 2500; m++) {
            t.file("f" + m, new byte[0]);
        }
        expectBad(t.finish(), "xattrs in all");
    }

    /** A thousand small global xattrs on each of 2,001 members: 2,001,000 xattrs to carry. */
    @Test
    void xattrCountPerLayerIsBounded() throws IOException {
        byte[][] records = new byte[1000][];
        for (int i = 0; i < records.length; i++) {
            records[i] = RawTar.record("SCHILY.xattr.user.x" + i, "1");
        }
        RawTar t = new RawTar().pax('g', records);
        for (int m = 0; m < 2001; m++) {
            t.file("f" + m, new byte[0]);
        }
        expectBad(t.finish(), "xattrs in all");
    }

    @Test
    void paxHeaderOverOneMebibyteIsRefused() throws IOException {
        byte[] huge = new byte[2 << 20];
        Arrays.fill(huge, (byte) 'h');
        String m = expectBad(new RawTar().pax('x', RawTar.record("comment", huge)).file("f", new byte[0]).finish(),
                "1048576");
        assertTrue(m.contains("PAX"), m);
    }

    @Test
    void globalPaxHeaderOverOneMebibyteIsRefused() throws IOException {
        byte[] huge = new byte[(1 << 20) + 1];
        Arrays.fill(huge, (byte) 'h');
        expectBad(new RawTar().pax('g', RawTar.record("comment", huge)).file("f", new byte[0]).finish(), "1048576");
    }

    @Test
    void xattrValueTooLongForErofsIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("SCHILY.xattr.user.v", new byte[70_000]))
                .file("holder", new byte[0]).finish(), "65535");
        assertTrue(m.contains("holder") && m.contains("user.v"), m);
    }

    @Test
    void xattrNameOver255BytesIsRefused() throws IOException {
        expectBad(new RawTar().pax('x', RawTar.record("SCHILY.xattr.user." + "n".repeat(300), "v"))
                .file("holder", new byte[0]).finish(), "255");
    }

    @Test
    void nameComponentOf300BytesIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("path", "dir/" + "n".repeat(300)))
                .file("ignored", new byte[0]).finish(), "255");
        assertTrue(m.contains("dir/nnnn"), m);
    }

    /** The old importer accepted it; the image writer then failed with an internal message. */
    @Test
    void nameComponentOf5000BytesIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("path", "n".repeat(5000)))
                .file("ignored", new byte[0]).finish(), "255");
        assertTrue(m.length() < 600, "one short line, not the whole name: " + m);
    }

    @Test
    void nulInNameIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("path", "a\u0000b"))
                .file("ignored", new byte[0]).finish(), "NUL");
        assertFalse(m.indexOf('\0') >= 0, "the message shows the NUL escaped");
    }

    @Test
    void symlinkTargetOf5001BytesIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("linkpath", "t".repeat(5001)))
                .symlink("link", "ignored").finish(), "4095");
        assertTrue(m.contains("link"), m);
    }

    @Test
    void symlinkTargetWithNulIsRefused() throws IOException {
        expectBad(new RawTar().pax('x', RawTar.record("linkpath", "a\u0000b")).symlink("link", "ignored").finish(),
                "NUL");
    }

    @Test
    void deviceNumbersBeyondLinuxDevTIsRefused() throws IOException {
        // Linux's dev_t, and EROFS's 32-bit i_rdev, hold a 12-bit major and a 20-bit minor.
        String m = expectBad(new RawTar().device("dev/big", '3', 0x1000, 1).finish(), "device number");
        assertTrue(m.contains("dev/big"), m);
        expectBad(new RawTar().device("dev/big", '4', 1, 0x100000).finish(), "device number");
    }

    @Test
    void largestLinuxDeviceNumbersImport() throws IOException {
        byte[] tar = new RawTar().device("max", '3', 0xfff, 0xfffff).finish();
        Repository repo = Repository.init(tmp.resolve("dev" + System.nanoTime()));
        LayerImporter.Imported i = LayerImporter.importLayerWithTree(repo, new ByteArrayInputStream(tar), TestTar.diffId(tar));
        // glibc's makedev(4095, 1048575): every bit of the 32-bit encoding set
        assertEquals(0xffffffffL, ((Device) i.tree().root().get("max")).rdev());
    }

    @Test
    void memberPathOverPathMaxIsRefused() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("path", "d/".repeat(2048) + "f"))
                .file("ignored", new byte[0]).finish(), "4097 bytes");
        assertTrue(m.contains("2049 levels"), m);
    }

    @Test
    void negativePaxSizeSaysSo() throws IOException {
        String m = expectBad(new RawTar().pax('x', RawTar.record("size", "-1")).file("f", new byte[0]).finish(),
                "PAX size");
        assertFalse(m.contains("checksum"), m);
    }

    @Test
    void paxUidOutOfRangeSaysSo() throws IOException {
        expectBad(new RawTar().pax('x', RawTar.record("uid", "4294967296")).file("f", new byte[0]).finish(), "PAX uid");
    }

    @Test
    void base256SizeBeyond64BitsSaysSo() throws IOException {
        byte[] h = RawTar.header("f".getBytes(StandardCharsets.US_ASCII), '0', 0, new byte[0]);
        h[124] = (byte) 0x80;
        Arrays.fill(h, 125, 136, (byte) 0xff); // 2^88 - 1: no long holds it
        RawTar.checksum(h);
        expectBad(new RawTar().raw(h).finish(), "size field out of range");
    }

    /** Imports must fail with a BadLayerException naming {@code part}, and link nothing. */
    private String expectBad(byte[] tar, String part) throws IOException {
        Repository repo = Repository.init(tmp.resolve("r" + System.nanoTime()));
        String diffId = TestTar.diffId(tar);
        BadLayerException e = assertTimeoutPreemptively(LINEAR, () -> assertThrows(BadLayerException.class,
                () -> LayerImporter.importLayerWithTree(repo, new ByteArrayInputStream(tar), diffId)));
        String m = e.getMessage();
        assertTrue(m.contains(part), "message '" + m + "' lacks '" + part + "'");
        assertFalse(m.contains("\n"), "one line: " + m);
        assertEquals(List.of(), repo.streams().list());
        assertEquals(List.of(), repo.objects().list());
        return m;
    }

    /** The layer tree of a normal layer is unchanged by the limits: a directory and a file. */
    @Test
    void ordinaryLayerStillImports() throws IOException {
        byte[] tar = new RawTar().pax('x', RawTar.record("SCHILY.xattr.user.ok", "yes"), RawTar.record("path", "d/" + "n".repeat(255)))
                .file("ignored", "x".getBytes(StandardCharsets.US_ASCII))
                .pax('x', RawTar.record("linkpath", "t".repeat(4095))).symlink("d/l", "ignored").finish();
        Repository repo = Repository.init(tmp.resolve("r"));
        LayerImporter.Imported i = LayerImporter.importLayerWithTree(repo, new ByteArrayInputStream(tar), TestTar.diffId(tar));
        Directory d = (Directory) i.tree().root().get("d");
        assertEquals(2, d.entries().size());
    }
}
