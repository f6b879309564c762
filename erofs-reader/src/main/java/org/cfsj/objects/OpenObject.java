package org.cfsj.objects;

/**
 * An object opened (and checked, unless the store is insecure or the image gave no digest) by
 * {@link VerifiedObjects#open}. The caller owns {@code fd} and must release it with {@link
 * VerifiedObjects#close(int)}.
 *
 * @param fd a read-only file descriptor on the object (O_CLOEXEC), or -1 in a copy kept after the
 *     fd was closed (for {@link VerifiedObjects#stillAsChecked})
 * @param size the object's size in bytes when it was opened
 * @param checkedInUserSpace the file as it was when its digest was computed (or found) in user
 *     space: nothing guards its later reads, so whoever keeps the object for later uses asks
 *     {@link VerifiedObjects#stillAsChecked} first; null when kernel fs-verity guards every read or
 *     the object was not checked at all (insecure store)
 */
public record OpenObject(int fd, long size, FileIdentity checkedInUserSpace) {
    /** The same object without its fd (closed, e.g. once the kernel holds the file for passthrough). */
    public OpenObject withoutFd() {
        return new OpenObject(-1, size, checkedInUserSpace);
    }
}
