package org.cfsj.posix;

import org.cfsj.sys.Processes;

/**
 * Who this process acts as, for the decisions that depend on privilege (mount with mount(2) or
 * through fusermount3, which repository and runtime directory is the default, whether setuid
 * files of an image may work in a container).
 *
 * <p>Invariant: "root" means effective uid 0 ({@code geteuid(2)}), the identity the kernel checks
 * permissions against; never the login name or the real uid, which say nothing about what the
 * process may do (under {@code su} or a setuid wrapper they name another user).
 */
public final class EffectiveUser {
    private EffectiveUser() {}

    /** Whether this process runs with effective uid 0. */
    public static boolean isRoot() {
        return Processes.geteuid() == 0;
    }
}
