package org.cfsj.oci.runtime;

/**
 * The container's network. {@link #NONE} is the default: a network namespace of its own with
 * only a loopback interface, as {@code crun spec} writes it; a read-only image root has no
 * writable {@code /etc/resolv.conf} to configure anything else. {@link #HOST} shares the
 * host's network namespace (name resolution then uses the image's own {@code /etc/resolv.conf}).
 */
public enum Network {
    NONE, HOST
}
