package org.cfsj.composefs;

/**
 * The bijection between EROFS nids and FUSE node ids. FUSE wants the root at 1 and never 0, so
 * node id = nid + 1, except that the root's nid and nid 0 trade places: root nid -> 1,
 * nid 0 -> root nid + 1. No table, no walk: any nid maps in O(1) both ways.
 */
record NodeIds(long rootNid) {
    static final long ROOT_NODE = 1;

    long nodeId(long nid) {
        if (nid == rootNid) {
            return ROOT_NODE;
        }
        return nid == 0 ? rootNid + 1 : nid + 1;
    }

    long nid(long nodeId) {
        if (nodeId == ROOT_NODE) {
            return rootNid;
        }
        return nodeId == rootNid + 1 ? 0 : nodeId - 1;
    }
}
