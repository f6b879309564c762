/**
 * Reading composefs objects safely: the one verified-object reader ({@link
 * org.cfsj.objects.VerifiedObjects}) that the FUSE server, the repository, {@code fsck}, the
 * kernel mount's image check and {@code composefs-info missing-objects} all use. It owns how an
 * object name from an untrusted image is checked, how it is opened below the object directory
 * without crossing a symlink, and how its content is proven: the kernel's fs-verity measurement
 * where the file has it, else a user-space digest remembered per file (in memory and in the
 * {@link org.cfsj.verity.DigestLedger}).
 */
package org.cfsj.objects;
