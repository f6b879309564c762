package org.cfsj.repo.maintenance;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.ObjectStore;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.SplitStreamReader;

/**
 * Removes what no ref reaches. Roots: {@code streams/refs/**} and {@code images/refs/**}. From a
 * root, a stream keeps its object, its {@code object_refs} and {@code stream_refs} (followed
 * recursively when they are splitstreams; a named ref such as {@code composefs.image} may name
 * a plain object). Unreached objects, {@code streams/} and {@code images/} links to them, and
 * leftover temporary files are removed. Holds the repository lock exclusively, so no import is
 * between writing an object and referencing it while gc runs.
 */
public final class GarbageCollector {
    /**
     * @param objectsRemoved objects deleted (or that would be, with dry run)
     * @param bytesFreed     their total size
     * @param streamLinksRemoved {@code streams/} links removed
     * @param imageLinksRemoved  {@code images/} links removed
     * @param objectsKept    live objects
     * @param removed        descriptions of what was (or would be) removed
     */
    public record Report(long objectsRemoved, long bytesFreed, long streamLinksRemoved, long imageLinksRemoved,
            long objectsKept, List<String> removed) {
        /** Stream and image links removed. */
        public long linksRemoved() {
            return streamLinksRemoved + imageLinksRemoved;
        }
    }

    private GarbageCollector() {}

    public static Report run(Repository repo, boolean dryRun) throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.EXCLUSIVE)) {
            Set<ObjectId> live = mark(repo);
            List<String> removed = new ArrayList<>();
            long objects = 0;
            long bytes = 0;
            long streamLinks = 0;
            long imageLinks = 0;
            for (ObjectId id : repo.objects().list()) {
                if (live.contains(id)) {
                    continue;
                }
                Path p = repo.objects().path(id);
                long size = Files.size(p);
                removed.add("object " + id + " (" + size + " bytes)");
                objects++;
                bytes += size;
                if (!dryRun) {
                    Files.deleteIfExists(p);
                }
            }
            for (String name : repo.streams().list()) {
                Optional<ObjectId> id = repo.streams().target(name);
                if (id.isEmpty() || !live.contains(id.get())) {
                    removed.add("stream link " + name);
                    streamLinks++;
                    if (!dryRun) {
                        repo.streams().unlink(name);
                    }
                }
            }
            for (ObjectId id : repo.images().list()) {
                if (!live.contains(id)) {
                    removed.add("image link " + id);
                    imageLinks++;
                    if (!dryRun) {
                        repo.images().unlink(id);
                    }
                }
            }
            if (!dryRun) {
                removeLeftovers(repo);
            }
            return new Report(objects, bytes, streamLinks, imageLinks, live.size(), removed);
        }
    }

    /** Every object reachable from a ref. */
    static Set<ObjectId> mark(Repository repo) throws IOException {
        Set<ObjectId> live = new HashSet<>();
        Deque<ObjectId> work = new ArrayDeque<>();
        for (String ref : repo.streams().listRefs("")) {
            String name = Files.readSymbolicLink(repo.streams().dir().resolve("refs").resolve(ref)).getFileName().toString();
            repo.streams().target(name).ifPresent(work::add);
        }
        for (String ref : repo.images().listRefs("")) {
            repo.images().ref(ref).ifPresent(work::add);
        }
        while (!work.isEmpty()) {
            ObjectId id = work.pop();
            if (!live.add(id) || !repo.objects().has(id) || !Fsck.isSplitStream(repo, id)) {
                continue;
            }
            SplitStreamReader r;
            try {
                r = SplitStreamReader.open(repo.objects(), id);
            } catch (RepositoryException e) {
                // Its references are unknown, so any object might be one of them (a stream of a newer
                // format, or damaged): sweeping now could delete what a named image needs.
                throw new RepositoryException("named stream object " + id.hex() + " cannot be read (" + e.getMessage()
                        + "): gc removes nothing while it is named; see cfsj fsck", e);
            }
            work.addAll(r.objectRefs());
            work.addAll(r.streamRefs());
        }
        return live;
    }

    /**
     * Temporary files (under {@code tmp/} and in {@code objects/xx/}) and half-made links of
     * writers that died (no writer runs under the exclusive lock).
     */
    private static void removeLeftovers(Repository repo) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(repo.objects().tempDir())) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(repo.objects().dir())) {
            for (Path d : dirs) {
                if (d.getFileName().toString().length() != 2 || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d,
                        f -> ObjectStore.isTempName(f.getFileName().toString()))) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
        for (Path base : List.of(repo.streams().dir(), repo.images().dir())) {
            try (Stream<Path> walk = Files.walk(base)) {
                for (Path p : walk.toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith(".") && n.endsWith(".tmp") && Files.isSymbolicLink(p)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        Files.createDirectories(repo.objects().tempDir());
        if (!Files.isDirectory(repo.objects().dir(), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(repo.objects().dir());
        }
    }
}
