package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One namespace of names for objects, as symlinks in a directory of the repository: {@code
 * streams/} (splitstreams by name, e.g. {@code oci-layer-sha256:…}) and {@code images/}
 * (composefs images by their hex id) are each one.
 *
 * <pre>
 * &lt;dir&gt;/&lt;name&gt;          -&gt; ../objects/xx/…    a name for an object
 * &lt;dir&gt;/refs/&lt;path&gt;     -&gt; ../…/&lt;name&gt;        a named reference to a name (a gc root)
 * </pre>
 *
 * <p>Invariants: a link or ref is written only after a {@code syncfs} ({@link
 * ObjectStore#syncBeforeLink}), by symlink-then-rename, so it is replaced atomically and never
 * points to content a crash could lose; a link is made only to an object in the store and a ref
 * only to a name whose object is there. Link targets are read, never followed. Names never
 * contain '/', start with '.' or equal {@code refs}; ref path segments never start with '.'
 * (so the temporary names of a replacement never show in a listing). Thread-safe (every change
 * is one rename).
 */
public final class NamedLinks {
    static final String REFS = "refs";

    private final Path dir;
    private final String kind;
    private final ObjectStore objects;

    /**
     * @param dir     the namespace's directory ({@code streams/} or {@code images/}), a sibling of
     *                {@code objects/}
     * @param kind    what a name names, for messages ("stream", "image")
     * @param objects the store the links point into
     */
    NamedLinks(Path dir, String kind, ObjectStore objects) {
        this.dir = dir;
        this.kind = kind;
        this.objects = objects;
    }

    public Path dir() {
        return dir;
    }

    /** Points {@code <name>} at a stored object (replacing any old link). */
    public void link(String name, ObjectId id) throws IOException {
        checkName(name);
        objects.require(id);
        objects.syncBeforeLink();
        replaceSymlink(dir.resolve(name), "../" + objects.dir().getFileName() + "/" + id.objectPath());
    }

    /** The object {@code <name>} links to, if the link exists and its object is there. */
    public Optional<ObjectId> get(String name) {
        checkName(name);
        return target(name).filter(objects::has);
    }

    public boolean has(String name) {
        return get(name).isPresent();
    }

    /** The object {@code <name>}'s link names, whether or not that object is there (the link's text, not followed). */
    public Optional<ObjectId> target(String name) {
        try {
            Path target = Files.readSymbolicLink(dir.resolve(name));
            int n = target.getNameCount();
            if (n < 2) {
                return Optional.empty();
            }
            return Optional.ofNullable(ObjectId.parseOrNull(
                    target.getName(n - 2).toString() + target.getName(n - 1), objects.algorithm()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The object {@code <name>} links to, or an error naming what is missing. */
    public ObjectId require(String name) throws RepositoryException {
        return get(name).orElseThrow(() -> new RepositoryException("no " + kind + " " + name + " in the repository"));
    }

    /** All names (links directly in the directory), sorted. */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.equals(REFS) && !n.startsWith(".") && Files.isSymbolicLink(p)) {
                    names.add(n);
                }
            }
        }
        Collections.sort(names);
        return names;
    }

    /** Removes {@code <name>} (the object stays until gc). */
    public void unlink(String name) throws IOException {
        checkName(name);
        Files.deleteIfExists(dir.resolve(name));
    }

    /** Sets {@code refs/<refPath>} to {@code name}, which must be linked to an object that is there. */
    public void setRef(String refPath, String name) throws IOException {
        checkName(name);
        Path link = refLink(refPath);
        if (!has(name)) {
            throw new RepositoryException("cannot reference " + kind + " " + name + ": it is not in the repository");
        }
        objects.syncBeforeLink();
        Files.createDirectories(link.getParent());
        replaceSymlink(link, "../".repeat(refDepth(refPath)) + name);
    }

    /** The name {@code refs/<refPath>} points to, if that ref exists. */
    public Optional<String> ref(String refPath) throws IOException {
        Path link = refLink(refPath);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
    }

    public boolean removeRef(String refPath) throws IOException {
        return Files.deleteIfExists(refLink(refPath));
    }

    /** Ref paths (relative to {@code refs/}) under {@code prefix} ("" for all), sorted. */
    public List<String> listRefs(String prefix) throws IOException {
        Path refs = dir.resolve(REFS);
        Path start = prefix == null || prefix.isEmpty() ? refs : refs.resolve(prefix);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        collectRefs(refs, start, out);
        Collections.sort(out);
        return out;
    }

    /**
     * The refs under {@code dir}, depth first. Names starting with '.' (a replacement's temporary
     * link) are skipped before they are looked at, and an entry gone between the directory read
     * and its stat (a concurrent rename or removal) is skipped, not an error.
     */
    private static void collectRefs(Path refs, Path dir, List<String> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (p.getFileName().toString().startsWith(".")) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (a.isSymbolicLink()) {
                    out.add(refs.relativize(p).toString());
                } else if (a.isDirectory()) {
                    collectRefs(refs, p, out);
                }
            }
        } catch (NoSuchFileException e) {
            // the directory itself went away meanwhile: no refs in it
        }
    }

    /** Atomically (re)points a symlink: make it under a temporary name, rename over. */
    private static void replaceSymlink(Path link, String target) throws IOException {
        Path tmp = link.resolveSibling("." + link.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createSymbolicLink(tmp, Path.of(target));
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp);
            Files.createSymbolicLink(tmp, Path.of(target));
        }
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.startsWith(".") || name.equals(REFS)) {
            throw new IllegalArgumentException("invalid " + kind + " name: " + name);
        }
    }

    private Path refLink(String refPath) {
        checkRefPath(refPath);
        return dir.resolve(REFS).resolve(refPath);
    }

    static void checkRefPath(String refPath) {
        if (refPath == null || refPath.isEmpty() || refPath.startsWith("/") || refPath.endsWith("/")) {
            throw new IllegalArgumentException("invalid ref path: " + refPath);
        }
        for (String seg : refPath.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.startsWith(".") || seg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid ref path: " + refPath);
            }
        }
    }

    /** How many "../" lead from the ref link's directory back to the namespace's directory. */
    private static int refDepth(String refPath) {
        return refPath.split("/").length;
    }
}
