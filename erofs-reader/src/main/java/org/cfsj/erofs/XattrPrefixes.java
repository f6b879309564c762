package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;

import org.cfsj.tree.Bytes;

/**
 * The short xattr name prefixes of EROFS: an entry's {@code e_name_index} names the prefix that
 * was cut from its name (index 0: none, the full name is stored). The one table for reading and
 * writing.
 *
 * <p>Writing follows composefs, which never uses {@code lustre.} (index 5): a {@code lustre.*}
 * name is stored whole, so images stay byte-identical to C mkcomposefs's.
 */
public final class XattrPrefixes {
    private static final byte[][] BY_INDEX = {
        Bytes.of(""), Bytes.of("user."), Bytes.of("system.posix_acl_access"), Bytes.of("system.posix_acl_default"),
        Bytes.of("trusted."), Bytes.of("lustre."), Bytes.of("security."),
    };

    private XattrPrefixes() {}

    /** The prefix of a short name index (a copy), or null if the index is unknown. */
    public static byte[] prefix(int index) {
        return index >= 0 && index < BY_INDEX.length ? BY_INDEX[index].clone() : null;
    }

    /** The index a writer stores {@code name} under: the first known prefix it starts with, else 0. */
    public static int indexFor(byte[] name) {
        for (int i = 1; i < BY_INDEX.length; i++) {
            if (i != XATTR_INDEX_LUSTRE && Bytes.startsWith(name, BY_INDEX[i])) {
                return i;
            }
        }
        return XATTR_INDEX_NONE;
    }

    /** Length of the prefix of a known index. */
    static int prefixLength(int index) {
        return BY_INDEX[index].length;
    }
}
