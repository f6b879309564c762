package org.cfsj.fuse;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.cfsj.fuse.fs.Attributes;
import org.cfsj.fuse.fs.CachePolicy;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.fuse.fs.FsStatistics;
import org.cfsj.fuse.fs.OpenedFile;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;
import org.cfsj.fuse.kernel.AccessIn;
import org.cfsj.fuse.kernel.Attr;
import org.cfsj.fuse.kernel.AttrOut;
import org.cfsj.fuse.kernel.BatchForgetIn;
import org.cfsj.fuse.kernel.DirentHeader;
import org.cfsj.fuse.kernel.EntryOut;
import org.cfsj.fuse.kernel.ForgetIn;
import org.cfsj.fuse.kernel.ForgetOne;
import org.cfsj.fuse.kernel.GetxattrIn;
import org.cfsj.fuse.kernel.GetxattrOut;
import org.cfsj.fuse.kernel.InHeader;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.Kstatfs;
import org.cfsj.fuse.kernel.LseekIn;
import org.cfsj.fuse.kernel.LseekOut;
import org.cfsj.fuse.kernel.Opcode;
import org.cfsj.fuse.kernel.OpenIn;
import org.cfsj.fuse.kernel.OpenOut;
import org.cfsj.fuse.kernel.ReadIn;
import org.cfsj.fuse.kernel.ReleaseIn;
import org.cfsj.fuse.kernel.Statx;
import org.cfsj.fuse.kernel.StatxOut;
import org.cfsj.fuse.kernel.SxTime;
import org.cfsj.sys.Errno;

/**
 * Decodes one request, calls the filesystem, encodes the reply: the only place that knows both
 * the opcodes and the {@link ReadOnlyFilesystem} API. One instance per worker thread (it owns
 * that worker's reply buffer), so nothing here is shared or locked.
 *
 * <p>Every request gets exactly one answer (except FORGET, BATCH_FORGET, INTERRUPT and
 * NOTIFY_REPLY, which take none): malformed ones EINVAL, write-type ones EROFS, unknown ones
 * ENOSYS, and any exception from the filesystem an errno, never a dead worker.
 */
final class Dispatcher {
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int O_TRUNC = 01000;
    private static final int W_OK = 2;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int STATX_BASIC_STATS = 0x7ff;

    private final ReadOnlyFilesystem fs;
    private final Stats stats;
    private final Reply reply;
    private final Listing listing = new Listing();
    private final long entryValid;
    private final int entryValidNsec;
    private final long attrValid;
    private final int attrValidNsec;
    private final long negativeValid;
    private final int negativeValidNsec;
    private final int fileOpenFlags;
    private final int dirOpenFlags;
    private boolean destroyed;

    Dispatcher(ReadOnlyFilesystem fs, Stats stats, Reply reply) {
        this(fs, fs.cachePolicy(), stats, reply);
    }

    /** @param p how long the kernel may cache answers: the filesystem's policy or the session's override */
    Dispatcher(ReadOnlyFilesystem fs, CachePolicy p, Stats stats, Reply reply) {
        this.fs = fs;
        this.stats = stats;
        this.reply = reply;
        this.entryValid = seconds(p.entryTimeout());
        this.entryValidNsec = p.entryTimeout().toNanosPart();
        this.attrValid = seconds(p.attrTimeout());
        this.attrValidNsec = p.attrTimeout().toNanosPart();
        this.negativeValid = seconds(p.negativeTimeout());
        this.negativeValidNsec = p.negativeTimeout().toNanosPart();
        this.fileOpenFlags = (p.keepCache() ? Kernel.FOPEN_KEEP_CACHE : 0) | Kernel.FOPEN_NOFLUSH;
        this.dirOpenFlags = p.cacheDir() ? Kernel.FOPEN_CACHE_DIR | Kernel.FOPEN_KEEP_CACHE : 0;
    }

    private static long seconds(Duration d) {
        return d.getSeconds();
    }

    /** True after DESTROY: the session is over. */
    boolean destroyed() {
        return destroyed;
    }

    /** Handles the request of {@code length} bytes at the start of {@code in}. */
    void handle(MemorySegment in, int length) {
        if (length < InHeader.SIZE) {
            Log.info("ignoring a request of " + length + " bytes (shorter than its header)");
            return;
        }
        InHeader h = InHeader.read(in, 0);
        stats.countRequest(h.opcode());
        if (h.len() != length) {
            reply.error(h.unique(), Errno.EINVAL);
            return;
        }
        MemorySegment body = in.asSlice(InHeader.SIZE, length - InHeader.SIZE);
        Opcode op = Opcode.of(h.opcode());
        try {
            dispatch(op, h, body);
        } catch (FsException e) {
            answerError(h, e.errno(), e.getMessage());
        } catch (Malformed e) {
            reply.error(h.unique(), Errno.EINVAL);
        } catch (RuntimeException | Error e) {
            // a bug or an unexpected state: this request fails, the server goes on
            Log.info(op + " on node " + h.nodeid() + " failed: " + e);
            answerError(h, Errno.EIO, null);
        }
    }

    private void answerError(InHeader h, int errno, String message) {
        if (errno == Errno.EIO) {
            stats.countEio();
            if (message != null) {
                Log.info(message);
            }
        }
        reply.error(h.unique(), errno);
    }

    /** A request body too short for its opcode's struct, or a name without its NUL. */
    private static final class Malformed extends RuntimeException {
        Malformed() {
            super(null, null, false, false);
        }
    }

    private static void need(MemorySegment body, int size) {
        if (body.byteSize() < size) {
            throw new Malformed();
        }
    }

    /** A NUL-terminated name at {@code offset} of the body. */
    private static byte[] name(MemorySegment body, long offset) {
        long end = offset;
        long max = body.byteSize();
        while (end < max && body.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        if (end >= max) {
            throw new Malformed();
        }
        return body.asSlice(offset, end - offset).toArray(ValueLayout.JAVA_BYTE);
    }

    private void dispatch(Opcode op, InHeader h, MemorySegment body) throws FsException {
        long unique = h.unique();
        long node = h.nodeid();
        if (op == null) {
            reply.error(unique, Errno.ENOSYS);
            return;
        }
        if (op.writes()) {
            reply.error(unique, Errno.EROFS);
            return;
        }
        switch (op) {
            case LOOKUP -> lookup(unique, node, name(body, 0));
            case FORGET -> {
                need(body, ForgetIn.SIZE);
                fs.forget(node, ForgetIn.read(body, 0).nlookup());
            }
            case BATCH_FORGET -> batchForget(body);
            case GETATTR -> attrReply(unique, fs.getattr(node));
            case STATX -> statxReply(unique, fs.getattr(node));
            case READLINK -> {
                byte[] target = fs.readlink(node);
                MemorySegment.copy(target, 0, reply.payload(), ValueLayout.JAVA_BYTE, 0, target.length);
                reply.ok(unique, target.length);
            }
            case OPEN -> open(unique, node, body);
            case READ -> read(unique, node, body);
            case RELEASE -> {
                need(body, ReleaseIn.SIZE);
                fs.release(node, ReleaseIn.read(body, 0).fh());
                reply.ok(unique, 0);
            }
            case OPENDIR -> {
                if (!fs.directoriesNeedOpen()) {
                    // the kernel then opens directories itself from now on, with FOPEN_CACHE_DIR
                    reply.error(unique, Errno.ENOSYS);
                    return;
                }
                long fh = fs.opendir(node);
                new OpenOut(fh, dirOpenFlags, 0).write(reply.payload(), 0);
                reply.ok(unique, OpenOut.SIZE);
            }
            case READDIR -> readdir(unique, node, body, false);
            case READDIRPLUS -> readdir(unique, node, body, true);
            case RELEASEDIR -> {
                need(body, ReleaseIn.SIZE);
                fs.releasedir(node, ReleaseIn.read(body, 0).fh());
                reply.ok(unique, 0);
            }
            case GETXATTR -> getxattr(unique, node, body);
            case LISTXATTR -> listxattr(unique, node, body);
            case STATFS -> statfs(unique, node);
            case ACCESS -> {
                need(body, AccessIn.SIZE);
                reply.error(unique, (AccessIn.read(body, 0).mask() & W_OK) != 0 ? Errno.EROFS : 0);
            }
            // Nothing is ever dirty. ENOSYS to FLUSH makes the kernel stop sending one on every close(2).
            case FLUSH -> reply.error(unique, Errno.ENOSYS);
            case FSYNC, FSYNCDIR, SYNCFS -> reply.ok(unique, 0);
            case LSEEK -> lseek(unique, node, body);
            case INTERRUPT, NOTIFY_REPLY -> {
                // requests finish without blocking, so there is nothing to interrupt; no answer is expected
            }
            case DESTROY -> {
                destroyed = true;
                reply.ok(unique, 0);
            }
            case INIT -> reply.error(unique, Errno.EPROTO); // only once, handled by the session
            default -> reply.error(unique, Errno.ENOSYS); // locks, ioctl, poll, bmap, DAX mappings
        }
    }

    private void batchForget(MemorySegment body) {
        need(body, BatchForgetIn.SIZE);
        long count = Integer.toUnsignedLong(BatchForgetIn.read(body, 0).count());
        long available = (body.byteSize() - BatchForgetIn.SIZE) / ForgetOne.SIZE;
        for (long i = 0; i < Math.min(count, available); i++) {
            ForgetOne f = ForgetOne.read(body, BatchForgetIn.SIZE + i * ForgetOne.SIZE);
            fs.forget(f.nodeid(), f.nlookup());
        }
    }

    private void lookup(long unique, long parent, byte[] name) throws FsException {
        Entry e = fs.lookup(parent, name);
        if (e == null) {
            if (negativeValid == 0 && negativeValidNsec == 0) {
                reply.error(unique, Errno.ENOENT);
            } else {
                // nodeid 0 with a timeout: the kernel caches "no such name"
                new EntryOut(0, 0, negativeValid, 0, negativeValidNsec, 0, EMPTY_ATTR).write(reply.payload(), 0);
                reply.ok(unique, EntryOut.SIZE);
            }
            return;
        }
        entryOut(e).write(reply.payload(), 0);
        reply.ok(unique, EntryOut.SIZE);
    }

    private static final Attr EMPTY_ATTR = new Attr(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private EntryOut entryOut(Entry e) {
        return new EntryOut(e.nodeId(), 0, entryValid, attrValid, entryValidNsec, attrValidNsec, attr(e.attributes()));
    }

    static Attr attr(Attributes a) {
        return new Attr(a.ino(), a.size(), a.blocks(), a.atimeSec(), a.mtimeSec(), a.ctimeSec(), a.atimeNsec(),
                a.mtimeNsec(), a.ctimeNsec(), a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), a.blksize(), 0);
    }

    private void attrReply(long unique, Attributes a) {
        new AttrOut(attrValid, attrValidNsec, 0, attr(a)).write(reply.payload(), 0);
        reply.ok(unique, AttrOut.SIZE);
    }

    static Statx statx(Attributes a) {
        // rdev is in new_encode_dev form: minor low 8 bits + bits 20..31, major bits 8..19
        int major = (a.rdev() & 0xfff00) >>> 8;
        int minor = (a.rdev() & 0xff) | ((a.rdev() >>> 12) & 0xfff00);
        return new Statx(STATX_BASIC_STATS, a.blksize(), 0, a.nlink(), a.uid(), a.gid(), a.mode(), a.ino(), a.size(),
                a.blocks(), 0, new SxTime(a.atimeSec(), a.atimeNsec(), 0), new SxTime(0, 0, 0),
                new SxTime(a.ctimeSec(), a.ctimeNsec(), 0), new SxTime(a.mtimeSec(), a.mtimeNsec(), 0), major, minor,
                0, 0);
    }

    private void statxReply(long unique, Attributes a) {
        new StatxOut(attrValid, attrValidNsec, 0, statx(a)).write(reply.payload(), 0);
        reply.ok(unique, StatxOut.SIZE);
    }

    private void open(long unique, long node, MemorySegment body) throws FsException {
        need(body, OpenIn.SIZE);
        int flags = OpenIn.read(body, 0).flags();
        if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0) {
            reply.error(unique, Errno.EROFS);
            return;
        }
        if (!fs.filesNeedOpen()) {
            // FUSE_NO_OPEN_SUPPORT: after this ENOSYS the kernel opens files itself (FOPEN_KEEP_CACHE),
            // sends READ with fh 0 and no OPEN, FLUSH or RELEASE: one round trip per file instead of four
            reply.error(unique, Errno.ENOSYS);
            return;
        }
        OpenOut out = switch (fs.open(node, flags)) {
            case OpenedFile.Served s -> new OpenOut(s.fh(), fileOpenFlags, 0);
            case OpenedFile.Passthrough p -> {
                stats.countPassthroughOpen();
                yield new OpenOut(p.fh(), Kernel.FOPEN_PASSTHROUGH | Kernel.FOPEN_NOFLUSH, p.backingId());
            }
        };
        out.write(reply.payload(), 0);
        reply.ok(unique, OpenOut.SIZE);
    }

    private void read(long unique, long node, MemorySegment body) throws FsException {
        need(body, ReadIn.SIZE);
        ReadIn r = ReadIn.read(body, 0);
        long size = Math.min(Integer.toUnsignedLong(r.size()), reply.payload().byteSize());
        if (r.offset() < 0) {
            reply.error(unique, Errno.EINVAL);
            return;
        }
        long n = fs.read(node, r.fh(), r.offset(), reply.payload().asSlice(0, size));
        reply.ok(unique, (int) n);
    }

    private void readdir(long unique, long node, MemorySegment body, boolean plus) throws FsException {
        need(body, ReadIn.SIZE);
        ReadIn r = ReadIn.read(body, 0);
        int size = (int) Math.min(Integer.toUnsignedLong(r.size()), reply.payload().byteSize());
        listing.reset(plus, size);
        fs.readdir(node, r.fh(), r.offset(), listing);
        reply.ok(unique, listing.position);
    }

    /** Encodes READDIR / READDIRPLUS records into the reply payload. */
    private final class Listing implements DirectoryListing {
        boolean plus;
        int limit;
        int position;

        void reset(boolean plus, int limit) {
            this.plus = plus;
            this.limit = limit;
            this.position = 0;
        }

        @Override
        public boolean wantsEntries() {
            return plus;
        }

        @Override
        public boolean add(byte[] name, long ino, int type, long nextOffset, Entry entry) {
            int size = plus ? Kernel.direntPlusSize(name.length) : Kernel.direntSize(name.length);
            if (position + size > limit) {
                return false;
            }
            MemorySegment p = reply.payload();
            long at = position;
            if (plus) {
                EntryOut e = entry != null
                        ? entryOut(entry)
                        : new EntryOut(0, 0, 0, 0, 0, 0, EMPTY_ATTR); // "." and "..": the kernel skips these
                e.write(p, at);
                at += EntryOut.SIZE;
            }
            new DirentHeader(ino, nextOffset, name.length, (type & Attributes.S_IFMT) >>> 12).write(p, at);
            at += DirentHeader.SIZE;
            MemorySegment.copy(name, 0, p, ValueLayout.JAVA_BYTE, at, name.length);
            at += name.length;
            p.asSlice(at, position + size - at).fill((byte) 0);
            position += size;
            return true;
        }
    }

    private void getxattr(long unique, long node, MemorySegment body) throws FsException {
        need(body, GetxattrIn.SIZE);
        long size = Integer.toUnsignedLong(GetxattrIn.read(body, 0).size());
        byte[] value = fs.getxattr(node, name(body, GetxattrIn.SIZE));
        if (value == null) {
            reply.error(unique, Errno.ENODATA);
            return;
        }
        sized(unique, size, value, value.length);
    }

    private void listxattr(long unique, long node, MemorySegment body) throws FsException {
        need(body, GetxattrIn.SIZE);
        long size = Integer.toUnsignedLong(GetxattrIn.read(body, 0).size());
        List<byte[]> names = fs.listxattr(node);
        long total = 0;
        for (byte[] n : names) {
            total += n.length + 1;
        }
        if (size == 0 || total > size || total > reply.payload().byteSize()) {
            sized(unique, size, null, (int) Math.min(total, Integer.MAX_VALUE)); // the length, or ERANGE: no copy
            return;
        }
        MemorySegment out = reply.payload();
        long at = 0;
        for (byte[] n : names) {
            MemorySegment.copy(n, 0, out, ValueLayout.JAVA_BYTE, at, n.length);
            out.set(ValueLayout.JAVA_BYTE, at + n.length, (byte) 0);
            at += n.length + 1;
        }
        reply.ok(unique, (int) total);
    }

    /** The getxattr/listxattr convention: size 0 asks for the length, a too small size is ERANGE. */
    private void sized(long unique, long size, byte[] data, int length) {
        if (size == 0) {
            new GetxattrOut(length, 0).write(reply.payload(), 0);
            reply.ok(unique, GetxattrOut.SIZE);
        } else if (length > size || length > reply.payload().byteSize()) {
            reply.error(unique, Errno.ERANGE);
        } else {
            MemorySegment.copy(data, 0, reply.payload(), ValueLayout.JAVA_BYTE, 0, length);
            reply.ok(unique, length);
        }
    }

    private void statfs(long unique, long node) throws FsException {
        FsStatistics s = fs.statfs(node);
        new Kstatfs(s.blocks(), s.bfree(), s.bavail(), s.files(), s.ffree(), s.bsize(), s.namelen(), s.frsize(), 0)
                .write(reply.payload(), 0);
        reply.ok(unique, Kstatfs.SIZE);
    }

    /** SEEK_DATA / SEEK_HOLE (the kernel handles the others): every file is one run of data. */
    private void lseek(long unique, long node, MemorySegment body) throws FsException {
        need(body, LseekIn.SIZE);
        LseekIn in = LseekIn.read(body, 0);
        long size = fs.getattr(node).size();
        long offset = in.offset();
        if (offset < 0 || offset >= size && (in.whence() == SEEK_DATA || in.whence() == SEEK_HOLE)) {
            reply.error(unique, Errno.ENXIO);
            return;
        }
        long result = switch (in.whence()) {
            case SEEK_DATA -> offset;
            case SEEK_HOLE -> size;
            default -> -1;
        };
        if (result < 0) {
            reply.error(unique, Errno.EINVAL);
            return;
        }
        new LseekOut(result).write(reply.payload(), 0);
        reply.ok(unique, LseekOut.SIZE);
    }
}
