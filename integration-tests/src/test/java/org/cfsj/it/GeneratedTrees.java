package org.cfsj.it;

import org.cfsj.tree.Directory;

/**
 * {@link RandomTrees} for code outside this package (the mutation run in {@code org.cfsj.it.mutate}
 * uses them as base images): the same trees for the same seed.
 */
public final class GeneratedTrees {
    private GeneratedTrees() {}

    /** A random tree of about {@code entries} entries; external files name objects that do not exist. */
    public static Directory tree(long seed, int entries) {
        return new RandomTrees(seed, false).tree(entries);
    }
}
