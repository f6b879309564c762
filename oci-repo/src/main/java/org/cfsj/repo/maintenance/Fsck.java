package org.cfsj.repo.maintenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.RepoAccess;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamReader;

/**
 * Checks a repository: that its top directory is private ({@link RepoAccess}), every object's
 * content against its name (recomputed fs-verity digest), every stream and image link, every
 * ref, and every reference inside the splitstreams reachable from them.
 *
 * <p>Repair is deliberately narrow: it only sets the top directory's mode to 0700, which loses
 * nothing. Damaged content is reported, never "fixed" by deleting it; gc and a new pull do that.
 */
public final class Fsck {
    /**
     * What fsck found.
     *
     * @param objectsChecked objects whose digest was recomputed (or that could not be read as objects)
     * @param corrupt        objects whose content does not match their name, or that are not regular files reached without a symlink
     * @param missing        objects referenced (by a link, ref or splitstream) but absent
     * @param problems       every finding as a human-readable line (includes the above)
     * @param kernelVerity   whether the repository has kernel fs-verity protection
     * @param repaired       what {@code repair} changed, one line each (not counted as problems)
     * @param accessProblems how many of the problems are about the top directory's owner or mode
     * @param streamsChecked stream links checked
     * @param streamProblems problems found with streams (links, refs, splitstreams and what they reference)
     * @param imagesChecked  image links checked
     * @param imageProblems  problems found with image links and refs
     * @param brokenLinks    stream or image links and refs that do not point where they must
     */
    public record Report(long objectsChecked, List<ObjectId> corrupt, List<ObjectId> missing, List<String> problems,
            boolean kernelVerity, List<String> repaired, int accessProblems, long streamsChecked, long streamProblems,
            long imagesChecked, long imageProblems, long brokenLinks) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private final Repository repo;
    private final List<String> problems = new ArrayList<>();
    private final TreeSet<ObjectId> missing = new TreeSet<>();
    private final List<ObjectId> corrupt = new ArrayList<>();
    private long streamsChecked;
    private long imagesChecked;
    private long brokenLinks;

    private Fsck(Repository repo) {
        this.repo = repo;
    }

    /** Runs all checks (lock: shared). {@code threads}: 0 for one per processor. */
    public static Report run(Repository repo, int threads) throws IOException {
        return run(repo, threads, false);
    }

    /** As {@link #run(Repository, int)}; with {@code repair}, a top directory other users may enter is made 0700. */
    public static Report run(Repository repo, int threads, boolean repair) throws IOException {
        Fsck f = new Fsck(repo);
        List<String> repaired = f.checkAccess(repair);
        int accessProblems = f.problems.size();
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            long checked = f.checkObjects(threads);
            int before = f.problems.size();
            f.checkStreams();
            int streamProblems = f.problems.size() - before;
            before = f.problems.size();
            f.checkImages();
            int imageProblems = f.problems.size() - before;
            return new Report(checked, List.copyOf(f.corrupt), List.copyOf(f.missing), List.copyOf(f.problems),
                    repo.kernelVerity(), repaired, accessProblems, f.streamsChecked, streamProblems, f.imagesChecked,
                    imageProblems, f.brokenLinks);
        }
    }

    /** The top directory's owner and mode, first: they decide who else can read everything below. */
    private List<String> checkAccess(boolean repair) throws IOException {
        RepoAccess access = repo.access();
        if (access.foreignOwner() != null) {
            problems.add(access.foreignOwner());
        }
        if (access.looseMode() == null) {
            return List.of();
        }
        if (!repair || !access.ownedByCaller()) {
            problems.add(access.looseMode());
            return List.of();
        }
        repo.makePrivate();
        return List.of("set the mode of " + repo.root() + " from " + RepoAccess.octal(access.mode()) + " to "
                + RepoAccess.octal(RepoAccess.PRIVATE_MODE) + ": other users can no longer read the repository");
    }

    /**
     * Recomputes every object's digest through the one verified reader ({@link VerifiedObjects}):
     * an object reached through a symlink, or one that is not a regular file, is as bad as one
     * whose content does not match its name.
     */
    private long checkObjects(int threads) throws IOException {
        List<ObjectId> ids = repo.objects().list();
        List<String> payloads = new ArrayList<>(ids.size());
        for (ObjectId id : ids) {
            payloads.add(id.objectPath());
        }
        long[] n = {0};
        try (VerifiedObjects objects = new VerifiedObjects(repo.objects().dir(), false)) {
            objects.recomputeAll(payloads, repo.objects().algorithm(), threads, (payload, digest, failure) -> {
                ObjectId expected = ids.get((int) n[0]++);
                if (failure != null) {
                    corrupt.add(expected);
                    problems.add("corrupt object " + expected + ": " + failure.getMessage());
                    return;
                }
                ObjectId actual = ObjectId.of(digest);
                if (!actual.equals(expected)) {
                    corrupt.add(expected);
                    problems.add("corrupt object " + expected + ": its content has digest " + actual);
                }
            });
        }
        return n[0];
    }

    private void checkStreams() throws IOException {
        Deque<ObjectId> toCheck = new ArrayDeque<>();
        Set<String> streams = new HashSet<>(repo.streams().list());
        streamsChecked = streams.size();
        for (String name : streams) {
            Optional<ObjectId> id = repo.streams().target(name);
            if (id.isEmpty()) {
                problems.add("stream link " + name + " does not point into objects/");
                brokenLinks++;
            } else if (!repo.objects().has(id.get())) {
                missing(id.get(), "stream " + name);
            } else {
                toCheck.add(id.get());
            }
        }
        for (String ref : repo.streams().listRefs("")) {
            Path target = repo.streams().dir().resolve("refs").resolve(ref);
            String name = Files.readSymbolicLink(target).getFileName().toString();
            if (!streams.contains(name)) {
                problems.add("stream ref " + ref + " points to " + name + ", which is not in streams/");
                brokenLinks++;
            }
        }
        Set<ObjectId> seen = new HashSet<>();
        while (!toCheck.isEmpty()) {
            ObjectId id = toCheck.pop();
            if (!seen.add(id) || corrupt.contains(id)) {
                continue;
            }
            SplitStreamReader r;
            try {
                r = SplitStreamReader.open(repo.objects(), id);
            } catch (RepositoryException e) {
                problems.add(e.getMessage());
                continue;
            }
            for (ObjectId o : r.objectRefs()) {
                if (!repo.objects().has(o)) {
                    missing(o, "splitstream " + id);
                }
            }
            for (ObjectId s : r.streamRefs()) {
                if (!repo.objects().has(s)) {
                    missing(s, "splitstream " + id);
                } else if (!corrupt.contains(s) && isSplitStream(s)) {
                    toCheck.add(s);
                }
            }
        }
    }

    private void checkImages() throws IOException {
        List<ObjectId> images = repo.images().list();
        imagesChecked = images.size();
        for (ObjectId id : images) {
            Optional<ObjectId> target = repo.images().target(id);
            if (target.isEmpty() || !target.get().equals(id)) {
                problems.add("image link " + id + " points to " + target.map(ObjectId::hex).orElse("nothing valid"));
                brokenLinks++;
            } else if (!repo.objects().has(id)) {
                missing(id, "images/" + id);
            }
        }
        for (String ref : repo.images().listRefs("")) {
            Optional<ObjectId> id = repo.images().ref(ref);
            if (id.isEmpty() || !repo.images().has(id.get())) {
                problems.add("image ref " + ref + " points to an image that is not in images/");
                brokenLinks++;
            }
        }
    }

    private void missing(ObjectId id, String from) {
        if (missing.add(id)) {
            problems.add("missing object " + id + " (referenced by " + from + ")");
        }
    }

    /** Whether an object starts with the splitstream magic (named refs may also name plain objects). */
    boolean isSplitStream(ObjectId id) throws IOException {
        return isSplitStream(repo, id);
    }

    static boolean isSplitStream(Repository repo, ObjectId id) throws IOException {
        // The magic only decides how to read the object; SplitStreamReader checks the stream it parses.
        return SplitStreamFormat.hasMagic(repo.objects().head(id, SplitStreamFormat.MAGIC.length));
    }
}
