package org.cfsj.erofs;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.InvalidEntryException;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.TreeWalk;
import org.cfsj.tree.Xattr;

/**
 * Reads a whole EROFS image into the in-memory tree model.
 *
 * <p>With composefs semantics (the default when the image has a composefs header) it does what
 * composefs's {@code lcfs_load_node_from_image} does ({@link OverlayXattrs}): overlay whiteouts (char devices with rdev
 * 0) are skipped, {@code trusted.overlay.redirect} / {@code metacopy} become a regular file's
 * payload and digest, escaped overlay xattrs ({@code trusted.overlay.overlay.*}) are unescaped,
 * other {@code trusted.overlay.*} xattrs are dropped, and inline content is capped at 5000 bytes.
 * Without them (plain mkfs.erofs images) every inode and xattr is kept as stored.
 *
 * <p>Hardlinks: every dirent pointing at an already-seen nid gets the same {@link Node} object,
 * added with {@link Directory#addHardlink} (the first name met depth-first is the primary).
 * A directory reachable twice (a cycle or a hardlinked directory) is an error. The walk is
 * iterative and its total work is bounded by a multiple of the image size, so malformed images
 * with overlapping directory or xattr data fail instead of exhausting memory.
 */
public final class ImageTree {
    /** composefs's cap on inline file content (LCFS_INLINE_CONTENT_MAX). */
    public static final int COMPOSEFS_INLINE_CONTENT_MAX = 5000;

    /**
     * How to read the image.
     *
     * @param overlaySemantics     apply composefs's overlay xattr and whiteout rules
     * @param contentLimit         largest flat file whose content is read into the tree
     * @param failOverContentLimit a larger flat file is an error (composefs) rather than a file
     *                             recorded with its size but no content (plain images)
     */
    public record Options(boolean overlaySemantics, long contentLimit, boolean failOverContentLimit) {
        public static Options composefs() {
            return new Options(true, COMPOSEFS_INLINE_CONTENT_MAX, true);
        }

        /** Plain EROFS: keep everything as stored; read contents of files up to 1 MiB. */
        public static Options plain() {
            return new Options(false, 1 << 20, false);
        }

        public static Options forImage(ErofsImage image) {
            return image.composefsHeader().isPresent() ? composefs() : plain();
        }
    }

    private final ErofsImage image;
    private final Options options;
    private final Map<Long, Node> nodes = new HashMap<>();
    private final Set<Long> skipped = new HashSet<>();
    private final Map<Long, Xattr> sharedXattrs = new HashMap<>();
    private long budget;

    private ImageTree(ErofsImage image, Options options) {
        this.image = image;
        this.options = options;
        // a well-formed image stores every dirent, xattr and file byte once; allow generous slack
        this.budget = 4 * image.size() + (64 << 20);
    }

    /** Reads the tree with the semantics the image calls for ({@link Options#forImage}). */
    public static Directory read(ErofsImage image) throws ErofsFormatException {
        return read(image, Options.forImage(image));
    }

    public static Directory read(ErofsImage image, Options options) throws ErofsFormatException {
        var header = image.composefsHeader();
        if (options.overlaySemantics() && header.isPresent() && header.get().version() != ErofsLayout.COMPOSEFS_VERSION) {
            throw new ErofsFormatException("unsupported composefs header version " + header.get().version()
                    + " (cfsj reads version " + ErofsLayout.COMPOSEFS_VERSION + ")");
        }
        try {
            return new ImageTree(image, options).walk();
        } catch (InvalidEntryException e) {
            // A name, symlink target or xattr set the tree model refuses (Limits): the image is bad.
            throw new ErofsFormatException(e.getMessage());
        }
    }

    /**
     * The object paths ({@code trusted.overlay.redirect} payloads) of the regular files under
     * {@code root}, in walk order, once per file (a shared object appears once per file naming it).
     */
    public static List<String> payloads(Directory root) {
        List<String> out = new ArrayList<>();
        TreeWalk.walk(root, (parent, name, child, path) -> {
            if (child instanceof RegularFile f && f.payload() != null) {
                out.add(f.payload());
            }
            return true;
        });
        return out;
    }

    /** A directory being filled: its entries and how far the walk has got through them. */
    private static final class Frame {
        final Inode inode;
        final Directory node;
        final List<Dirent> entries;
        int next;

        Frame(Inode inode, Directory node, List<Dirent> entries) {
            this.inode = inode;
            this.node = node;
            this.entries = entries;
        }
    }

    private Frame open(Inode inode, Directory node) throws ErofsFormatException {
        List<Dirent> entries = image.readdir(inode);
        charge(entries.size() * (long) ErofsLayout.DIRENT_SIZE, inode, "directory entries");
        return new Frame(inode, node, entries);
    }

    /**
     * Depth-first in dirent order, as composefs walks: a subdirectory is filled before the next
     * entry of its parent, so the first name met for a hardlinked nid is its primary. Iterative,
     * so deep trees cannot overflow the stack.
     */
    private Directory walk() throws ErofsFormatException {
        Inode rootInode = image.inode(image.rootNid());
        Directory root = (Directory) build(rootInode);
        nodes.put(rootInode.nid(), root);
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(open(rootInode, root));
        while (!stack.isEmpty()) {
            Frame dir = stack.peek();
            if (dir.next == dir.entries.size()) {
                stack.pop();
                continue;
            }
            Dirent d = dir.entries.get(dir.next++);
            if (d.isDotOrDotDot()) {
                continue;
            }
            byte[] name = d.name();
            if (indexOf(name, (byte) '/') >= 0 || indexOf(name, (byte) 0) >= 0) {
                throw new ErofsFormatException("directory nid " + dir.inode.nid() + ": invalid entry name \""
                        + Bytes.str(name) + "\"");
            }
            Node child = nodes.get(d.nid());
            if (child == null && skipped.contains(d.nid())) {
                continue;
            }
            if (child instanceof Directory) {
                throw new ErofsFormatException("directory nid " + d.nid() + " is reachable twice (from directory nid "
                        + dir.inode.nid() + " as \"" + Bytes.str(name) + "\"): a cycle or a hardlinked directory");
            }
            boolean added;
            if (child != null) {
                added = dir.node.addHardlink(name, child);
            } else {
                Inode inode = image.inode(d.nid());
                if (options.overlaySemantics() && inode.isCharDevice() && inode.rdev() == 0) {
                    // an overlay whiteout (the image's 00..ff root entries): not part of the tree
                    skipped.add(d.nid());
                    continue;
                }
                child = build(inode);
                nodes.put(d.nid(), child);
                added = dir.node.add(name, child);
                if (added && child instanceof Directory sub) {
                    stack.push(open(inode, sub));
                }
            }
            if (!added) {
                throw new ErofsFormatException("directory nid " + dir.inode.nid() + ": duplicate entry \""
                        + Bytes.str(name) + "\"");
            }
        }
        return root;
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private void charge(long bytes, Inode where, String what) throws ErofsFormatException {
        budget -= bytes;
        if (budget < 0) {
            throw new ErofsFormatException("nid " + where.nid() + ": " + what + " exceed what an image of "
                    + image.size() + " bytes can hold (overlapping or repeated data)");
        }
    }

    private List<Xattr> rawXattrs(Inode inode) throws ErofsFormatException {
        List<Xattr> list = new ArrayList<>(image.inlineXattrs(inode));
        for (Xattr x : list) {
            charge(x.nameView().length + x.valueView().length, inode, "inline xattrs");
        }
        for (long id : image.sharedXattrIds(inode)) {
            Xattr x = sharedXattrs.get(id);
            if (x == null) {
                x = image.sharedXattr(id);
                charge(x.nameView().length + x.valueView().length, inode, "shared xattrs");
                sharedXattrs.put(id, x);
            }
            list.add(x);
        }
        return list;
    }

    private Node build(Inode inode) throws ErofsFormatException {
        try {
            return buildNode(inode);
        } catch (InvalidEntryException e) {
            throw new ErofsFormatException("nid " + inode.nid() + ": " + e.getMessage());
        }
    }

    private Node buildNode(Inode inode) throws ErofsFormatException {
        boolean regular = inode.isRegular();
        String payload = null;
        byte[] digest = null;
        boolean whiteout = false;
        TreeMap<byte[], Xattr> xattrs = new TreeMap<>(Bytes.ORDER);
        for (Xattr x : rawXattrs(inode)) {
            byte[] name = x.nameView();
            if (options.overlaySemantics()) {
                if (OverlayXattrs.isRedirect(name)) {
                    if (regular) {
                        payload = OverlayXattrs.payload(x.valueView());
                    }
                    continue;
                }
                if (OverlayXattrs.isMetacopy(name)) {
                    if (regular) {
                        digest = OverlayXattrs.metacopyDigest(x.valueView());
                    }
                    continue;
                }
                if (regular && OverlayXattrs.isWhiteoutMarker(name)) {
                    whiteout = true;
                    continue;
                }
                if (OverlayXattrs.isWhiteoutBookkeeping(name)) {
                    continue;
                }
                byte[] visible = OverlayXattrs.visibleName(name);
                if (visible == null) {
                    continue;
                }
                if (visible != name) {
                    x = new Xattr(visible, x.valueView());
                    name = visible;
                }
            }
            xattrs.put(name, x);
        }
        if (inode.nlink() > Integer.MAX_VALUE) {
            throw new ErofsFormatException("nid " + inode.nid() + ": nlink " + inode.nlink() + " is out of range");
        }
        Metadata meta = new Metadata(inode.permissions(), (int) inode.uid(), (int) inode.gid(), inode.mtimeSec(),
                inode.mtimeNsec(), (int) inode.nlink(), new ArrayList<>(xattrs.values()));
        return switch (inode.typeBits()) {
            case Node.S_IFDIR -> {
                Directory d = new Directory(meta);
                d.setSize(inode.size());
                yield d;
            }
            case Node.S_IFREG -> whiteout ? new Device(meta, false, 0) : regularFile(inode, meta, payload, digest);
            case Node.S_IFLNK -> new Symlink(meta, symlinkTarget(inode));
            case Node.S_IFCHR -> new Device(meta, false, inode.rdev());
            case Node.S_IFBLK -> new Device(meta, true, inode.rdev());
            case Node.S_IFIFO -> new Fifo(meta);
            case Node.S_IFSOCK -> new Socket(meta);
            default -> throw new ErofsFormatException("nid " + inode.nid() + ": invalid file type");
        };
    }

    private RegularFile regularFile(Inode inode, Metadata meta, String payload, byte[] digest)
            throws ErofsFormatException {
        long size = inode.size();
        if (size == 0) {
            // composefs stores no content for empty files
            return new RegularFile(meta, 0, null, payload, digest);
        }
        image.checkReadable(inode);
        if (inode.isChunkBased() && options.overlaySemantics()) {
            // composefs external file: the data lives in the object named by the payload
            return RegularFile.external(meta, size, payload, digest);
        }
        if (size > Math.min(Math.min(options.contentLimit(), image.size()), Integer.MAX_VALUE - 8)) {
            if (options.failOverContentLimit()) {
                throw new ErofsFormatException("nid " + inode.nid() + ": inline file of " + size
                        + " bytes is larger than the " + options.contentLimit() + "-byte limit");
            }
            return RegularFile.external(meta, size, payload, digest);
        }
        charge(size, inode, "file data");
        byte[] content = new byte[(int) size];
        long n = image.read(inode, 0, MemorySegment.ofArray(content));
        if (n != size) {
            throw new ErofsFormatException("nid " + inode.nid() + ": read " + n + " of " + size + " bytes");
        }
        return new RegularFile(meta, size, content, payload, digest);
    }

    private byte[] symlinkTarget(Inode inode) throws ErofsFormatException {
        byte[] target = image.readlink(inode);
        charge(target.length, inode, "symlink targets");
        int nul = indexOf(target, (byte) 0);
        if (nul >= 0) {
            target = Arrays.copyOf(target, nul); // composefs reads targets as C strings
        }
        if (target.length == 0) {
            throw new ErofsFormatException("nid " + inode.nid() + ": empty symlink target");
        }
        return target;
    }
}
