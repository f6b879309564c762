package org.cfsj.objects;

/**
 * An object opened (and checked, unless the store is insecure or the image gave no digest) by
 * {@link VerifiedObjects#open}. The caller owns {@code fd} and must release it with {@link
 * VerifiedObjects#close(int)}.
 *
 * @param fd a read-only file descriptor on the object (O_CLOEXEC)
 * @param size the object's size in bytes when it was opened
 */
public record OpenObject(int fd, long size) {}
