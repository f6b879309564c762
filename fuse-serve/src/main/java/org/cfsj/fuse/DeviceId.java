package org.cfsj.fuse;

import org.cfsj.sys.Stat;

/**
 * A device number as the kernel shows it in /proc/PID/mountinfo ("major:minor"): how a FUSE
 * superblock, its connection and every mount of it are recognised. Invariant: both parts are
 * non-negative.
 */
public record DeviceId(int major, int minor) {
    public DeviceId {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("bad device number " + major + ":" + minor);
        }
    }

    /** The device an inode lives on. */
    public static DeviceId of(Stat stat) {
        return new DeviceId(stat.devMajor(), stat.devMinor());
    }

    /**
     * The kernel's own {@code dev_t} ({@code MKDEV}: major in the top 12 bits, minor in the low
     * 20), which names the connection's directory in the fusectl filesystem.
     */
    public long kernelDev() {
        return ((long) major << 20) | minor;
    }

    /** "major:minor", the mountinfo spelling. */
    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
