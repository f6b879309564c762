package org.cfsj.objects;

import org.cfsj.sys.Stat;


/**
 * Which file a cached digest belongs to: the object's name plus what changes when the file is
 * replaced (a new inode) or changed in any way (size, mtime, and ctime, which every write sets and
 * utimensat(2) cannot forge).
 *
 * <p>Public only so that an {@link OpenObject} can carry it; made by {@link VerifiedObjects}.
 */
public record FileIdentity(String payload, long dev, long ino, long size, long mtimeSec, int mtimeNsec, long ctimeSec,
        int ctimeNsec) {
    static FileIdentity of(String payload, Stat st) {
        return new FileIdentity(payload, st.dev(), st.ino(), st.size(), st.mtimeSec(), st.mtimeNsec(), st.ctimeSec(),
                st.ctimeNsec());
    }
}
