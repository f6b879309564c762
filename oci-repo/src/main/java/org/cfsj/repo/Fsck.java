package org.cfsj.repo;

import java.io.IOException;
import java.util.List;

/**
 * Checks a repository: every object's content against its name (recomputed fs-verity digest),
 * every stream and image link, every ref, and every reference inside splitstreams.
 */
public final class Fsck {
    /**
     * What fsck found.
     *
     * @param objectsChecked objects whose digest was recomputed
     * @param corrupt        objects whose content does not match their name
     * @param missing        objects referenced (by a link, ref or splitstream) but absent
     * @param problems       every finding as a human-readable line (includes the above)
     * @param kernelVerity   whether the repository has kernel fs-verity protection
     */
    public record Report(long objectsChecked, List<ObjectId> corrupt, List<ObjectId> missing, List<String> problems,
            boolean kernelVerity) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private Fsck() {}

    /** Runs all checks (lock: shared). {@code threads}: 0 for one per processor. */
    public static Report run(Repository repo, int threads) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }
}
