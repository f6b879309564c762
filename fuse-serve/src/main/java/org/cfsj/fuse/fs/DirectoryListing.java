package org.cfsj.fuse.fs;

/** Where {@link ReadOnlyFilesystem#readdir} puts entries: a reply buffer of limited size. */
public interface DirectoryListing {
    /** True for READDIRPLUS: each entry should come with its {@link Entry} (lookup included). */
    boolean wantsEntries();

    /**
     * Adds one entry; returns false (and adds nothing) when the reply is full.
     *
     * @param ino        inode number shown in d_ino
     * @param type       file type bits of st_mode ({@link Attributes#S_IFDIR} ...)
     * @param nextOffset the offset to resume after this entry
     * @param entry      the looked-up entry when {@link #wantsEntries()}; null for "." and ".."
     */
    boolean add(byte[] name, long ino, int type, long nextOffset, Entry entry);
}
