package org.cfsj.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in memory with commons-compress (PAX long names and xattrs). */
public final class TestTar {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;
    private long mtime = 1_700_000_000L;

    public TestTar() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    public TestTar(int longFileMode) {
        out = new TarArchiveOutputStream(bytes);
        out.setLongFileMode(longFileMode);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    public TestTar mtime(long t) {
        mtime = t;
        return this;
    }

    private TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(mode);
        e.setModTime(java.nio.file.attribute.FileTime.from(mtime, java.util.concurrent.TimeUnit.SECONDS));
        e.setUserId(0);
        e.setGroupId(0);
        return e;
    }

    private TestTar put(TarArchiveEntry e, byte[] content) {
        try {
            out.putArchiveEntry(e);
            if (content != null) {
                out.write(content);
            }
            out.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    public TestTar dir(String name, int mode) {
        return dir(name, mode, 0, 0);
    }

    public TestTar dir(String name, int mode, int uid, int gid) {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        return put(e, null);
    }

    public TestTar file(String name, int mode, byte[] content) {
        return file(name, mode, content, Map.of());
    }

    public TestTar file(String name, String content) {
        return file(name, 0644, content.getBytes(StandardCharsets.UTF_8));
    }

    public TestTar file(String name, int mode, byte[] content, Map<String, String> xattrs) {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode);
        e.setSize(content.length);
        xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
        return put(e, content);
    }

    public TestTar symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
        e.setLinkName(target);
        return put(e, null);
    }

    public TestTar hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
        e.setLinkName(target);
        return put(e, null);
    }

    public TestTar charDevice(String name, int major, int minor) {
        TarArchiveEntry e = entry(name, TarConstants.LF_CHR, 0600);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, null);
    }

    public TestTar fifo(String name) {
        return put(entry(name, TarConstants.LF_FIFO, 0644), null);
    }

    public byte[] finish() {
        try {
            out.finish();
            out.close();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    public static String diffId(byte[] tar) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deterministic pseudo-random bytes. */
    public static byte[] data(int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
