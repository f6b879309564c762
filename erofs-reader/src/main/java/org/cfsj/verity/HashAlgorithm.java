package org.cfsj.verity;

import java.util.Locale;
import org.cfsj.digest.HashContext;

/**
 * The hash functions fs-verity supports, with the number the kernel stores in {@code
 * fsverity_descriptor.hash_algorithm} ({@code FS_VERITY_HASH_ALG_*}).
 */
public enum HashAlgorithm {
    SHA256(1, "SHA-256", 32),
    SHA512(2, "SHA-512", 64);

    private final int kernelId;
    private final String jcaName;
    private final int digestSize;

    HashAlgorithm(int kernelId, String jcaName, int digestSize) {
        this.kernelId = kernelId;
        this.jcaName = jcaName;
        this.digestSize = digestSize;
    }

    /** The value of {@code fsverity_descriptor.hash_algorithm}. */
    public int kernelId() {
        return kernelId;
    }

    /** The standard JCA name, for {@link java.security.MessageDigest#getInstance(String)}. */
    public String jcaName() {
        return jcaName;
    }

    /** Size of one hash value in bytes. */
    public int digestSize() {
        return digestSize;
    }

    /**
     * Size of the hash function's internal input block (64 for SHA-256, 128 for SHA-512). fs-verity
     * pads the salt to this size, so that a salted hash can start from a precomputed state.
     */
    public int inputBlockSize() {
        return 2 * digestSize;
    }

    /** The lowercase name fsverity-utils uses ("sha256"), also the prefix of printed digests. */
    public String shortName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "sha256" / "sha512" (case-insensitive, as {@code fsverity --hash-alg} accepts). */
    public static HashAlgorithm fromName(String name) {
        for (HashAlgorithm a : values()) {
            if (a.shortName().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown hash algorithm '" + name + "' (expected sha256 or sha512)");
    }

    /** A fresh hash context ({@link HashContext#create}: OpenSSL's SHA-256 when available). */
    public HashContext newContext() {
        return HashContext.create(jcaName);
    }
}
