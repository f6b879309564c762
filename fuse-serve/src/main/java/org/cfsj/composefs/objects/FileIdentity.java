package org.cfsj.composefs.objects;

import org.cfsj.posix.Stat;

/**
 * Which file a cached digest belongs to: the object's name plus what changes when the file is
 * replaced (a new inode) or rewritten (size, mtime). Rewriting in place with the same size and a
 * forged mtime is not noticed; ctime would catch that, but {@link Stat} does not carry it yet.
 */
record FileIdentity(String payload, long dev, long ino, long size, long mtimeSec, int mtimeNsec) {
    static FileIdentity of(String payload, Stat st) {
        return new FileIdentity(payload, st.dev(), st.ino(), st.size(), st.mtimeSec(), st.mtimeNsec());
    }
}
