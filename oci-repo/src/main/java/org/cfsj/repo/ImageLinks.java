package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The repository's {@code images/} namespace: composefs images we built ourselves, each linked
 * under its own id's hex, and named references to them. A {@link NamedLinks} whose names are
 * always {@link ObjectId#hex()} of the object they link to.
 *
 * <p>Invariants: those of {@link NamedLinks}; besides, an image counts as present only when
 * {@code images/<hex>} links to that very object and the object is in the store, and a ref is
 * set only to an image that is present. Thread-safe, as {@link NamedLinks} is.
 */
public final class ImageLinks {
    private final NamedLinks links;
    private final ObjectStore objects;

    ImageLinks(Path dir, ObjectStore objects) {
        this.links = new NamedLinks(dir, "image", objects);
        this.objects = objects;
    }

    public Path dir() {
        return links.dir();
    }

    /** Links {@code images/<hex>} to the stored image {@code id}. */
    public void link(ObjectId id) throws IOException {
        links.link(id.hex(), id);
    }

    /** Whether {@code images/<hex>} exists, links to that very object, and the object is present. */
    public boolean has(ObjectId id) {
        return target(id).filter(id::equals).filter(objects::has).isPresent();
    }

    /**
     * The object {@code images/<hex>} links to, whether or not it is {@code id} or present (the
     * link's text, not followed): what fsck reports when a link is wrong.
     */
    public Optional<ObjectId> target(ObjectId id) {
        return links.target(id.hex());
    }

    /** Image ids linked under {@code images/}, sorted. */
    public List<ObjectId> list() throws IOException {
        List<ObjectId> ids = new ArrayList<>();
        for (String n : links.list()) {
            ObjectId id = ObjectId.parseOrNull(n, objects.algorithm());
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Removes {@code images/<hex>} (the object stays until gc). */
    public void unlink(ObjectId id) throws IOException {
        links.unlink(id.hex());
    }

    /** Sets {@code images/refs/<refPath>} to the image {@code id} (which must be linked). */
    public void setRef(String refPath, ObjectId id) throws IOException {
        if (!has(id)) {
            NamedLinks.checkRefPath(refPath);
            throw new RepositoryException("cannot reference image " + id + ": it is not in the repository");
        }
        links.setRef(refPath, id.hex());
    }

    /** The image {@code images/refs/<refPath>} points to, if that ref exists and names an image id. */
    public Optional<ObjectId> ref(String refPath) throws IOException {
        return links.ref(refPath).map(n -> ObjectId.parseOrNull(n, objects.algorithm()));
    }

    public boolean removeRef(String refPath) throws IOException {
        return links.removeRef(refPath);
    }

    /** Ref paths (relative to {@code images/refs/}) under {@code prefix} ("" for all), sorted. */
    public List<String> listRefs(String prefix) throws IOException {
        return links.listRefs(prefix);
    }
}
