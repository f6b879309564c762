package org.cfsj.verity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.cfsj.sys.Stat;

/**
 * fs-verity digests computed in user space, remembered across processes: one record per file
 * (device, inode, size, mtime, ctime, digest), appended to a file that every later process reads
 * at start. Where the kernel has no fs-verity, a FUSE server would otherwise re-hash every object
 * on its first open in every new mount, which dominates container start and cold reads.
 *
 * <p>Why a record can be trusted: any write to a file, or change of its metadata, sets its ctime to
 * the current time, and ctime cannot be set by {@code utimensat(2)}. So a file whose device, inode,
 * size, mtime and ctime all equal a record's has not changed since the digest was computed, unless
 * someone able to set the clock or write the block device (root) did it, and root can defeat any
 * user-space check anyway. The ledger must therefore be writable by its owner only: a file that is
 * group- or world-writable, or owned by someone other than this process's user, is not read.
 *
 * <p>Format: records of {@value #RECORD_SIZE} bytes, each starting with a magic number and ending
 * with a CRC32C of the rest, appended with {@code O_APPEND} (one write per batch, so processes can
 * share the file). Reading resynchronises on the magic after a torn or damaged record, and the last
 * valid record for a (device, inode) wins. The file only grows; deleting it costs a re-hash of each
 * object once.
 *
 * <p>Thread-safe.
 */
public final class DigestLedger implements AutoCloseable {
    static final int RECORD_SIZE = 96;
    static final int MAGIC = 0x4c444643; // "CFDL" little-endian
    private static final int DIGEST_SIZE = 32;
    // record layout, little-endian: magic, 4 reserved bytes, then these fields, then the CRC
    private static final int DEV = 8;
    private static final int INO = 16;
    private static final int SIZE = 24;
    private static final int MTIME_SEC = 32;
    private static final int MTIME_NSEC = 40;
    private static final int CTIME_NSEC = 44;
    private static final int CTIME_SEC = 48;
    private static final int DIGEST = 56;
    private static final int CRC_OFFSET = RECORD_SIZE - 4;

    /** What the ledger knows about one file. */
    private record Known(long size, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec, byte[] digest) {
        boolean matches(Stat st) {
            return st.size() == size && st.mtimeSec() == mtimeSec && st.mtimeNsec() == mtimeNsec
                    && st.ctimeSec() == ctimeSec && st.ctimeNsec() == ctimeNsec;
        }
    }

    private record FileKey(long dev, long ino) {}

    private final Path file;
    private final FileChannel channel;
    private final Map<FileKey, Known> known = new ConcurrentHashMap<>();

    private DigestLedger(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens (creating it, mode 0600, if missing) and reads the ledger at {@code file}.
     *
     * @throws IOException if it cannot be opened, or is writable by others or owned by another user
     */
    public static DigestLedger open(Path file) throws IOException {
        DigestLedger ledger = openForAppend(file);
        try {
            ledger.load();
            return ledger;
        } catch (IOException | RuntimeException e) {
            ledger.close();
            throw e;
        }
    }

    /**
     * Opens (creating it if missing) the ledger at {@code file} to add records only: nothing is
     * read, so {@link #lookup} knows only what this instance records (for writers such as a
     * repository import, which learn digests and never need to look them up).
     */
    public static DigestLedger openForAppend(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            checkPrivate(file);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new DigestLedger(file, channel);
    }

    private static void checkPrivate(Path file) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            throw new IOException(file + ": digest ledger is not a regular file");
        }
        if (a.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(file + ": digest ledger is writable by group or others ("
                    + PosixFilePermissions.toString(a.permissions()) + "); not trusting it");
        }
        String me = System.getProperty("user.name");
        if (me != null && !a.owner().getName().equals(me)) {
            throw new IOException(file + ": digest ledger is owned by " + a.owner().getName() + ", not " + me
                    + "; not trusting it");
        }
    }

    private void load() throws IOException {
        ByteBuffer all;
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long length = reader.size();
            if (length > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": digest ledger of " + length + " bytes is too large; delete it");
            }
            all = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
            while (all.hasRemaining() && reader.read(all) > 0) {
                // until the end as it was when opened
            }
        }
        all.flip();
        int at = 0;
        int limit = all.limit();
        while (at + RECORD_SIZE <= limit) {
            if (all.getInt(at) != MAGIC || !crcMatches(all, at)) {
                at++; // a torn or damaged record: look for the next one
                continue;
            }
            byte[] digest = new byte[DIGEST_SIZE];
            all.get(at + DIGEST, digest);
            known.put(new FileKey(all.getLong(at + DEV), all.getLong(at + INO)), new Known(all.getLong(at + SIZE),
                    all.getLong(at + MTIME_SEC), all.getInt(at + MTIME_NSEC), all.getLong(at + CTIME_SEC),
                    all.getInt(at + CTIME_NSEC), digest));
            at += RECORD_SIZE;
        }
    }

    private static boolean crcMatches(ByteBuffer b, int at) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(at, CRC_OFFSET));
        return (int) crc.getValue() == b.getInt(at + CRC_OFFSET);
    }

    /**
     * The SHA-256 fs-verity digest recorded for the file {@code st} describes, or null if there is
     * none or the file changed since (another size, mtime or ctime).
     */
    public byte[] lookup(Stat st) {
        Known k = known.get(new FileKey(st.dev(), st.ino()));
        return k != null && k.matches(st) ? k.digest.clone() : null;
    }

    /** Remembers {@code digest} for the file {@code st} describes (statted after the digest was computed). */
    public void record(Stat st, byte[] digest) throws IOException {
        if (digest.length != DIGEST_SIZE) {
            throw new IllegalArgumentException("expected a 32-byte digest, got " + digest.length);
        }
        Known k = new Known(st.size(), st.mtimeSec(), st.mtimeNsec(), st.ctimeSec(), st.ctimeNsec(), digest.clone());
        ByteBuffer r = ByteBuffer.allocate(RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0, MAGIC);
        r.putLong(DEV, st.dev());
        r.putLong(INO, st.ino());
        r.putLong(SIZE, k.size());
        r.putLong(MTIME_SEC, k.mtimeSec());
        r.putInt(MTIME_NSEC, k.mtimeNsec());
        r.putInt(CTIME_NSEC, k.ctimeNsec());
        r.putLong(CTIME_SEC, k.ctimeSec());
        r.put(DIGEST, digest);
        CRC32C crc = new CRC32C();
        crc.update(r.slice(0, CRC_OFFSET));
        r.putInt(CRC_OFFSET, (int) crc.getValue());
        // one write(2) with O_APPEND: whole records, never interleaved with another process's
        int n = channel.write(r);
        if (n != RECORD_SIZE) {
            throw new IOException(file + ": short write to the digest ledger (" + n + " bytes)");
        }
        known.put(new FileKey(st.dev(), st.ino()), k);
    }

    /** Files with a record. */
    public int size() {
        return known.size();
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "DigestLedger[" + file + ", " + known.size() + " files]";
    }
}
