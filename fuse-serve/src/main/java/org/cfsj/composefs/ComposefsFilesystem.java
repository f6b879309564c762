package org.cfsj.composefs;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.ErofsFormatException;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.OverlayXattrs;
import org.cfsj.erofs.Inode;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.fs.Attributes;
import org.cfsj.fuse.fs.CachePolicy;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.fuse.fs.FsStatistics;
import org.cfsj.fuse.fs.OpenedFile;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;
import org.cfsj.objects.MissingDigestException;
import org.cfsj.objects.ObjectVerificationException;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.sys.Errno;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;
import org.cfsj.tree.Xattr;

/**
 * A composefs image as the kernel composefs mount (EROFS + overlayfs with the object directory as
 * a data-only layer) shows it, served straight from the mapped image.
 *
 * <p>Stateless per node: a node id is the inode's nid ({@link NodeIds}), so every request decodes
 * just the inode or directory block it names, nothing is walked at startup, and the only state
 * kept is the open backing objects ({@link OpenObjects}).
 *
 * <p>What overlayfs changes compared with the raw EROFS image, and this view does too: overlay
 * whiteouts (character devices 0:0, e.g. the image's 256 root entries 00..ff) do not exist;
 * {@code trusted.overlay.*} xattrs are hidden and escaped ones unescaped ({@link OverlayXattrs});
 * the data of a file with a redirect comes from its object. Attributes are EROFS's (atime and ctime
 * are the mtime; st_blocks counts whole 4 KiB blocks).
 *
 * <p>A corrupt image is reported per request: a decoding error is EIO for that request (with a log
 * line naming what is wrong) and the server goes on.
 *
 * <p>Names no file can have are not shown ({@link DirentNames}): a directory lists at most one "."
 * and one "..", and no name containing a NUL or a '/'; a lookup of such a name finds nothing. A
 * crafted image is the only source of them; the first one dropped is logged, the rest silently.
 *
 * <p>An external file whose image records no fs-verity digest is refused (EIO) unless the object
 * store is insecure, since nothing vouches for its content; the first refusal is logged.
 */
public final class ComposefsFilesystem implements ReadOnlyFilesystem {
    private static final int BLOCK_SIZE = 4096;
    private static final int NAME_MAX = 255;

    private final ErofsImage image;
    private final VerifiedObjects store;
    private final NodeIds ids;
    private final OpenObjects objects;
    private final boolean passthrough;
    /**
     * Pushes the next files of a directory read in order; with passthrough (reads bypass the
     * server) it only has the disk read them ahead, prompted by OPENs.
     */
    private final DirectoryReadahead readahead;
    /**
     * Object fds kept open between uses (an open-less session's reads of one file come in bursts;
     * a passthrough session holds fds only where the kernel refused passthrough).
     */
    private static final int MAX_IDLE_OBJECTS = 4096;
    /**
     * Backing ids a passthrough session keeps after their file's last RELEASE, so that opening it
     * again is answered from memory. They hold no fd of ours, only the kernel's reference to the
     * object file, until the kernel forgets the inode (which it does under memory pressure) or this
     * many newer ones push it out: large enough for a tree of this many files to be read again
     * without a miss (an LRU smaller than a sequential reader's tree never hits), small enough to
     * bound the pinned kernel memory and this map (about 200 bytes of heap each).
     */
    private static final int MAX_IDLE_BACKING = KeptObjectBudget.MAX_IDLE_BACKING;
    /** Set once a listing dropped a name: one log line per image, not one per listing. */
    private final AtomicBoolean droppedNameLogged = new AtomicBoolean();
    /** Set once a file without a digest was refused: one log line per image, not one per open. */
    private final AtomicBoolean missingDigestLogged = new AtomicBoolean();

    /**
     * @param image        the composefs (or plain EROFS) image, already opened and validated
     * @param store        where the data of external files lives
     * @param passthrough  let the kernel read external files directly when it can
     */
    public ComposefsFilesystem(ErofsImage image, VerifiedObjects store, boolean passthrough) {
        this(image, store, passthrough, MAX_IDLE_OBJECTS, MAX_IDLE_BACKING, KeptObjectBudget.PROCESS);
    }

    /**
     * As above, keeping at most this many unused objects (fds, backing ids) for their next use,
     * and no more than {@code budget} allows all filesystems sharing it together.
     */
    ComposefsFilesystem(ErofsImage image, VerifiedObjects store, boolean passthrough, int maxIdleFds, int maxIdleBacking,
            KeptObjectBudget budget) {
        this.image = image;
        this.store = store;
        this.ids = new NodeIds(image.rootNid());
        this.passthrough = passthrough;
        // Passthrough needs OPEN (its reply carries the backing id); without it files are open-less.
        this.objects = new OpenObjects(store, passthrough, maxIdleFds, maxIdleBacking, budget);
        this.readahead = new DirectoryReadahead(new DirectoryReadahead.Loader() {
            @Override
            public long load(long nid, MemorySegment dst) throws FsException {
                return readWhole(nid, dst);
            }

            @Override
            public void prefetch(long nid) {
                startReading(nid);
            }
        }, ids, DirectoryReadahead.MAX_TRACKED, !passthrough);
    }

    @Override
    public void init(FsContext context) {
        objects.init(context);
        readahead.start(context);
    }

    @Override
    public CachePolicy cachePolicy() {
        return CachePolicy.immutable();
    }

    @Override
    public boolean filesNeedOpen() {
        return passthrough;
    }

    @Override
    public boolean directoriesNeedOpen() {
        return false; // readdir ignores the handle
    }

    @Override
    public void forget(long node, long nlookup) {
        long nid = ids.nid(node);
        objects.forget(nid);
        readahead.forget(nid);
    }

    /** Files whose data was put into the kernel's page cache before they were read ({@link DirectoryReadahead}). */
    public long readaheadFiles() {
        return readahead.pushed();
    }

    /** Inodes whose backing object is in use right now. */
    public int openObjects() {
        return objects.openCount();
    }

    /** Objects opened and checked so far (a later use of a kept one does not count). */
    public long objectsOpened() {
        return objects.openedCount();
    }

    /** Inodes whose backing object (fd or backing id) is kept, unused, for their next open. */
    public int idleObjects() {
        return objects.idleCount();
    }

    // ------------------------------------------------------------------ nodes and attributes

    private Inode inode(long node) throws FsException {
        try {
            return image.inode(ids.nid(node));
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    private static FsException corrupt(ErofsFormatException e) {
        return new FsException(Errno.EIO, "corrupt image: " + e.getMessage());
    }

    /** An overlay whiteout: overlayfs shows no file for it. */
    private static boolean isWhiteout(Inode in) {
        return in.isCharDevice() && in.rdev() == 0;
    }

    Attributes attributes(Inode in) {
        long size = in.size();
        // EROFS: i_blocks = size rounded up to whole blocks, in 512-byte units; overlayfs shows it
        long blocks = (size + BLOCK_SIZE - 1) / BLOCK_SIZE * (BLOCK_SIZE / 512);
        int nlink = (int) Math.min(in.nlink(), Integer.MAX_VALUE);
        return new Attributes(ids.nodeId(in.nid()), in.mode(), nlink, (int) in.uid(), (int) in.gid(), (int) in.rdev(),
                size, blocks, BLOCK_SIZE, in.mtimeSec(), in.mtimeNsec(), in.mtimeSec(), in.mtimeNsec(),
                in.mtimeSec(), in.mtimeNsec());
    }

    private Entry entry(Inode in) {
        return new Entry(ids.nodeId(in.nid()), attributes(in));
    }

    @Override
    public Attributes getattr(long node) throws FsException {
        return attributes(inode(node));
    }

    @Override
    public Entry lookup(long parent, byte[] name) throws FsException {
        Inode dir = inode(parent);
        if (!dir.isDirectory()) {
            throw new FsException(Errno.ENOTDIR);
        }
        if (name.length > NAME_MAX || !DirentNames.isFileName(name)) {
            return null; // "." and ".." never reach here from the kernel; NUL and '/' cannot be names
        }
        try {
            Optional<Dirent> d = image.lookup(dir, name);
            if (d.isEmpty()) {
                return null;
            }
            Inode child = image.inode(d.get().nid());
            if (isWhiteout(child)) {
                return null;
            }
            if (child.isRegular()) {
                readahead.listed(dir.nid(), d.get().index(), child.nid(), child.size());
            }
            return entry(child);
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    @Override
    public byte[] readlink(long node) throws FsException {
        Inode in = inode(node);
        if (!in.isSymlink()) {
            throw new FsException(Errno.EINVAL);
        }
        try {
            byte[] target = image.readlink(in);
            for (int i = 0; i < target.length; i++) {
                if (target[i] == 0) {
                    return Arrays.copyOf(target, i); // a C string to the kernel, as to composefs
                }
            }
            return target;
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    // ------------------------------------------------------------------ directories

    @Override
    public long opendir(long node) throws FsException {
        if (!inode(node).isDirectory()) {
            throw new FsException(Errno.ENOTDIR);
        }
        return 0;
    }

    /**
     * Lists the directory from the readdir cookie {@code offset} on ({@link DirentNames.Cookie}:
     * the next entry's index, and whether "." and ".." were listed before it).
     */
    @Override
    public void readdir(long node, long fh, long offset, DirectoryListing listing) throws FsException {
        Inode dir = inode(node);
        if (!dir.isDirectory()) {
            throw new FsException(Errno.ENOTDIR);
        }
        boolean plus = listing.wantsEntries();
        DirentNames.Cookie[] at = {DirentNames.Cookie.decode(offset)};
        try {
            image.forEachDirent(dir, at[0].index(), d -> {
                DirentNames.Cookie here = at[0];
                DirentNames.Verdict verdict = DirentNames.judge(d.name(), here);
                if (verdict != DirentNames.Verdict.LIST) {
                    logDropped(dir, d, verdict);
                    at[0] = here.skip();
                    return true;
                }
                DirentNames.Cookie next = here.after(d.name());
                if (next.index() > DirentNames.Cookie.MAX_INDEX) {
                    return false; // more entries than a cookie can count: no image holds that many
                }
                Listed shown = listed(dir, d, plus);
                if (shown != null && !listing.add(d.name(), ids.nodeId(d.nid()), shown.type(), next.encode(), shown.entry())) {
                    return false; // the reply is full: the kernel asks again from this entry's cookie
                }
                at[0] = next;
                return true;
            });
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    /** How a listed entry appears: its type bits, and for READDIRPLUS its looked-up entry. */
    private record Listed(int type, Entry entry) {}

    /** How entry {@code d} of {@code dir} is listed, or null if it is not shown (a whiteout). */
    private Listed listed(Inode dir, Dirent d, boolean plus) {
        if (d.isDotOrDotDot()) {
            return new Listed(Attributes.S_IFDIR, null);
        }
        int type = typeOf(d.fileType());
        if (!plus && type != Attributes.S_IFCHR && type != 0) {
            return new Listed(type, null); // the dirent's type is enough: no inode read
        }
        Inode child;
        try {
            child = image.inode(d.nid());
        } catch (ErofsFormatException e) {
            // list the name anyway (as EROFS does); looking it up will report the corruption
            return new Listed(type, null);
        }
        if (isWhiteout(child)) {
            return null;
        }
        if (plus && child.isRegular()) {
            readahead.listed(dir.nid(), d.index(), d.nid(), child.size());
        }
        return new Listed(child.typeBits(), plus ? entry(child) : null);
    }

    private void logDropped(Inode dir, Dirent d, DirentNames.Verdict why) {
        if (droppedNameLogged.compareAndSet(false, true)) {
            Log.info("directory nid " + dir.nid() + ": not listing entry " + d.index() + " (\""
                    + DirentNames.printable(d.name()) + "\"): " + why.reason()
                    + "; such entries of this image are dropped from listings without further messages");
        }
    }

    /** EROFS dirent file types (EROFS_FT_*) as st_mode type bits; 0 if unknown. */
    static int typeOf(int fileType) {
        return switch (fileType) {
            case ErofsLayout.FT_REG_FILE -> 0100000;
            case ErofsLayout.FT_DIR -> 0040000;
            case ErofsLayout.FT_CHRDEV -> 0020000;
            case ErofsLayout.FT_BLKDEV -> 0060000;
            case ErofsLayout.FT_FIFO -> 0010000;
            case ErofsLayout.FT_SOCK -> 0140000;
            case ErofsLayout.FT_SYMLINK -> 0120000;
            default -> 0;
        };
    }

    // ------------------------------------------------------------------ file data

    /** Handle of files whose data is in the image. External files use their node id. */
    private static final long INLINE = 0;

    /** Where an external file's data lives: the redirect's object and the digest it must have. */
    private record External(String payload, byte[] digest) {}

    private External external(Inode in) throws ErofsFormatException {
        if (in.size() == 0) {
            return null; // no data to fetch, whatever its xattrs say
        }
        if (!in.isChunkBased()) {
            return null; // composefs external files are chunk-based (all holes); inline ones are flat
        }
        byte[] redirect = null;
        byte[] metacopy = null;
        for (Xattr x : image.xattrs(in)) {
            if (OverlayXattrs.isRedirect(x.nameView())) {
                redirect = x.valueView();
            } else if (OverlayXattrs.isMetacopy(x.nameView())) {
                metacopy = x.valueView();
            }
        }
        if (redirect == null) {
            return null;
        }
        return new External(OverlayXattrs.payload(redirect), metacopy == null ? null : OverlayXattrs.metacopyDigest(metacopy));
    }

    @Override
    public OpenedFile open(long node, int flags) throws FsException {
        OpenObjects.Handle known = objects.acquireIfOpen(ids.nid(node));
        if (known != null) {
            // opened and checked before, and not forgotten since: nothing to decode, open or register
            return opened(node, known);
        }
        Inode in = inode(node);
        if (in.isDirectory()) {
            throw new FsException(Errno.EISDIR);
        }
        if (!in.isRegular()) {
            throw new FsException(Errno.EINVAL);
        }
        External ext;
        try {
            ext = external(in);
            if (ext == null) {
                image.checkReadable(in);
                return new OpenedFile.Served(INLINE);
            }
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
        return opened(node, acquire(in, ext));
    }

    private OpenedFile opened(long node, OpenObjects.Handle h) {
        if (passthrough) {
            readahead.firstRead(ids.nid(node)); // reads never reach us: the OPEN says where the reader is
        }
        return h.backingId() > 0 ? new OpenedFile.Passthrough(node, h.backingId()) : new OpenedFile.Served(node);
    }

    /** A user of the inode's object, opened and verified if it is not open yet. */
    private OpenObjects.Handle acquire(Inode in, External ext) throws FsException {
        try {
            return objects.acquire(in.nid(), ext.payload(), ext.digest(), in.size());
        } catch (MissingDigestException e) {
            boolean first = missingDigestLogged.compareAndSet(false, true);
            throw new FsException(Errno.EIO, first ? "inode " + in.nid() + ": " + e.getMessage()
                    + "; further files without a digest are refused without a message" : null);
        } catch (ObjectVerificationException e) {
            throw new FsException(Errno.EIO, e.getMessage());
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot open the object of inode " + in.nid() + ": " + e.getMessage());
        }
    }

    @Override
    public long read(long node, long fh, long offset, MemorySegment dst) throws FsException {
        if (offset == 0 && !passthrough) {
            readahead.firstRead(ids.nid(node));
        }
        return readData(node, fh, offset, dst);
    }

    /** A whole (small) file, for {@link DirectoryReadahead}: the same checked path as a READ. */
    private long readWhole(long nid, MemorySegment dst) throws FsException {
        long node = ids.nodeId(nid);
        long done = 0;
        while (done < dst.byteSize()) {
            long n = readData(node, INLINE, done, dst.asSlice(done));
            if (n <= 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /**
     * Asks the kernel to start reading an external file's object from disk, so that the reads of
     * a readahead window's objects overlap instead of waiting one after the other.
     */
    private void startReading(long nid) {
        try {
            Inode in = image.inode(nid);
            External ext = external(in);
            if (ext != null) {
                store.willNeed(ext.payload());
            }
        } catch (ErofsFormatException e) {
            // the push itself will meet (and skip) the same problem
        }
    }

    private long readData(long node, long fh, long offset, MemorySegment dst) throws FsException {
        if (fh != INLINE) {
            return readObject(objects.get(ids.nid(node)), node, offset, dst);
        }
        if (passthrough) {
            return readInline(inode(node), offset, dst); // opened: handle 0 means data in the image
        }
        // open-less: handle 0 for every file, so look at the inode (unless its object is open already)
        long nid = ids.nid(node);
        OpenObjects.Handle h = objects.acquireIfOpen(nid);
        if (h == null) {
            Inode in = inode(node);
            External ext;
            try {
                ext = external(in);
            } catch (ErofsFormatException e) {
                throw corrupt(e);
            }
            if (ext == null) {
                return readInline(in, offset, dst);
            }
            h = acquire(in, ext);
        }
        try {
            return readObject(h, node, offset, dst);
        } finally {
            objects.release(h);
        }
    }

    private long readInline(Inode in, long offset, MemorySegment dst) throws FsException {
        try {
            return image.read(in, offset, dst);
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    private long readObject(OpenObjects.Handle h, long node, long offset, MemorySegment dst) throws FsException {
        if (h == null) {
            throw new FsException(Errno.EBADF);
        }
        long want = Math.min(dst.byteSize(), h.size() - offset);
        if (want <= 0) {
            return 0;
        }
        try {
            return Io.pread(h.fd(), dst, want, offset);
        } catch (SysException e) {
            throw new FsException(Errno.EIO, "reading the object of inode " + ids.nid(node) + ": " + e.getMessage());
        }
    }

    @Override
    public void release(long node, long fh) {
        if (fh != INLINE) {
            objects.release(ids.nid(node));
        }
    }

    // ------------------------------------------------------------------ xattrs, statfs

    @Override
    public byte[] getxattr(long node, byte[] name) throws FsException {
        Inode in = inode(node);
        if (in.xattrIcount() == 0) {
            return null; // most inodes: no xattr area at all, nothing to decode
        }
        try {
            for (Xattr x : image.xattrs(in)) {
                if (OverlayXattrs.showsAs(x.nameView(), name)) {
                    return x.valueView();
                }
            }
            return null;
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    @Override
    public List<byte[]> listxattr(long node) throws FsException {
        Inode in = inode(node);
        if (in.xattrIcount() == 0) {
            return List.of();
        }
        try {
            List<byte[]> names = new ArrayList<>(2);
            for (Xattr x : image.xattrs(in)) {
                byte[] shown = OverlayXattrs.visibleName(x.nameView());
                if (shown != null) {
                    names.add(shown);
                }
            }
            return names;
        } catch (ErofsFormatException e) {
            throw corrupt(e);
        }
    }

    /** As EROFS reports it (and overlayfs passes on): all blocks used, inode counts relative to 2^64-1. */
    @Override
    public FsStatistics statfs(long node) {
        long inos = image.superblock().inos();
        return new FsStatistics(image.superblock().blocks(), 0, 0, -1L, -1L - inos, BLOCK_SIZE, NAME_MAX, BLOCK_SIZE);
    }

    @Override
    public void destroy() {
        readahead.stop();
        objects.closeAll();
    }
}
