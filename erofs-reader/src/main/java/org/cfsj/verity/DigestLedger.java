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
 * <p>Format: records, each starting with a magic number that says its kind and ending with a
 * CRC32C of the rest, appended with {@code O_APPEND} (one write per record, so processes can share
 * the file): {@value #RECORD_SIZE}-byte records ({@link #MAGIC}) hold a sha256 digest,
 * {@value #RECORD_SIZE_512}-byte records ({@link #MAGIC_512}) a sha512 one; both kinds can be mixed
 * in one file (objects of a sha256 and of a sha512 repository, or one object named both ways).
 * Reading resynchronises on a magic after a torn or damaged record, and the last valid record for a
 * (device, inode, algorithm) wins. The file only grows; deleting it costs a re-hash of each object
 * once.
 *
 * <p>Thread-safe.
 */
public final class DigestLedger implements AutoCloseable {
    static final int RECORD_SIZE = 96;
    static final int MAGIC = 0x4c444643; // "CFDL" little-endian
    static final int RECORD_SIZE_512 = 128;
    static final int MAGIC_512 = 0x35444643; // "CFD5" little-endian
    // record layout, little-endian: magic, 4 reserved bytes, then these fields, then the CRC
    private static final int DEV = 8;
    private static final int INO = 16;
    private static final int SIZE = 24;
    private static final int MTIME_SEC = 32;
    private static final int MTIME_NSEC = 40;
    private static final int CTIME_NSEC = 44;
    private static final int CTIME_SEC = 48;
    private static final int DIGEST = 56;

    /** What the ledger knows about one file. */
    private record Known(long size, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec, byte[] digest) {
        boolean matches(Stat st) {
            return st.size() == size && st.mtimeSec() == mtimeSec && st.mtimeNsec() == mtimeNsec
                    && st.ctimeSec() == ctimeSec && st.ctimeNsec() == ctimeNsec;
        }
    }

    private record FileKey(long dev, long ino, VerityAlgorithm algorithm) {}

    /** The record size for digests of {@code algorithm}. */
    private static int recordSize(VerityAlgorithm algorithm) {
        return algorithm == VerityAlgorithm.SHA256_12 ? RECORD_SIZE : RECORD_SIZE_512;
    }

    private static int magic(VerityAlgorithm algorithm) {
        return algorithm == VerityAlgorithm.SHA256_12 ? MAGIC : MAGIC_512;
    }

    /** The algorithm of records starting with {@code magic}, or null if it is no record's. */
    private static VerityAlgorithm ofMagic(int magic) {
        return magic == MAGIC ? VerityAlgorithm.SHA256_12 : magic == MAGIC_512 ? VerityAlgorithm.SHA512_12 : null;
    }

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
            VerityAlgorithm alg = ofMagic(all.getInt(at));
            int size = alg == null ? 0 : recordSize(alg);
            if (alg == null || at + size > limit || !crcMatches(all, at, size)) {
                at++; // a torn or damaged record: look for the next one
                continue;
            }
            byte[] digest = new byte[alg.digestSize()];
            all.get(at + DIGEST, digest);
            known.put(new FileKey(all.getLong(at + DEV), all.getLong(at + INO), alg), new Known(all.getLong(at + SIZE),
                    all.getLong(at + MTIME_SEC), all.getInt(at + MTIME_NSEC), all.getLong(at + CTIME_SEC),
                    all.getInt(at + CTIME_NSEC), digest));
            at += size;
        }
    }

    private static boolean crcMatches(ByteBuffer b, int at, int size) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(at, size - 4));
        return (int) crc.getValue() == b.getInt(at + size - 4);
    }

    /**
     * The fs-verity digest of {@code algorithm} recorded for the file {@code st} describes, or
     * null if there is none or the file changed since (another size, mtime or ctime).
     */
    public byte[] lookup(Stat st, VerityAlgorithm algorithm) {
        Known k = known.get(new FileKey(st.dev(), st.ino(), algorithm));
        return k != null && k.matches(st) ? k.digest.clone() : null;
    }

    /**
     * Remembers {@code digest} (sha256 or sha512, by its length) for the file {@code st} describes
     * (statted after the digest was computed).
     */
    public void record(Stat st, byte[] digest) throws IOException {
        VerityAlgorithm alg = VerityAlgorithm.ofDigest(digest);
        int recordSize = recordSize(alg);
        Known k = new Known(st.size(), st.mtimeSec(), st.mtimeNsec(), st.ctimeSec(), st.ctimeNsec(), digest.clone());
        ByteBuffer r = ByteBuffer.allocate(recordSize).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0, magic(alg));
        r.putLong(DEV, st.dev());
        r.putLong(INO, st.ino());
        r.putLong(SIZE, k.size());
        r.putLong(MTIME_SEC, k.mtimeSec());
        r.putInt(MTIME_NSEC, k.mtimeNsec());
        r.putInt(CTIME_NSEC, k.ctimeNsec());
        r.putLong(CTIME_SEC, k.ctimeSec());
        r.put(DIGEST, digest);
        CRC32C crc = new CRC32C();
        crc.update(r.slice(0, recordSize - 4));
        r.putInt(recordSize - 4, (int) crc.getValue());
        // one write(2) with O_APPEND: whole records, never interleaved with another process's
        int n = channel.write(r);
        if (n != recordSize) {
            throw new IOException(file + ": short write to the digest ledger (" + n + " bytes)");
        }
        known.put(new FileKey(st.dev(), st.ino(), alg), k);
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
