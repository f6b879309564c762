package org.cfsj.verity;

import java.util.HexFormat;

/**
 * The fs-verity algorithms a composefs repository or image names its objects with: a hash
 * function and 4 KiB Merkle tree blocks, no salt. One value carries every fact that depends on
 * the choice, so no other code compares digest lengths or hex widths itself.
 *
 * <p>Invariants: each value has a distinct {@link #digestSize()}, so a digest checked to come
 * from one of these (a repository object name, a metacopy value parsed by
 * {@code OverlayXattrs.metacopyDigest}) tells its algorithm by its length
 * ({@link #ofDigest}). {@link #code()} is the kernel's {@code FS_VERITY_HASH_ALG_*} number, which
 * overlayfs stores as {@code ovl_metacopy.digest_algo} and splitstream headers as their algorithm
 * byte; {@link #repoName()} is what composefs-rs writes as {@code "algorithm"} in a repository's
 * {@code meta.json}.
 */
public enum VerityAlgorithm {
    /** What C mkcomposefs writes and cfsj's default. */
    SHA256_12(HashAlgorithm.SHA256),
    /** composefs-rs's default for new repositories since 0.9. */
    SHA512_12(HashAlgorithm.SHA512);

    /** The default of {@code cfsj init} and of every image built without a repository. */
    public static final VerityAlgorithm DEFAULT = SHA256_12;
    /** log2 of the Merkle tree block size; composefs uses 4 KiB blocks only. */
    public static final int LG_BLOCK_SIZE = 12;

    private static final HexFormat HEX = HexFormat.of();

    private final HashAlgorithm hash;
    private final FsVerityParams params;

    VerityAlgorithm(HashAlgorithm hash) {
        this.hash = hash;
        this.params = new FsVerityParams(hash, 1 << LG_BLOCK_SIZE);
    }

    public HashAlgorithm hash() {
        return hash;
    }

    /** The fs-verity parameters: this hash, 4 KiB blocks, no salt. */
    public FsVerityParams params() {
        return params;
    }

    /** Bytes of one digest: 32 or 64. */
    public int digestSize() {
        return hash.digestSize();
    }

    /** Lowercase hex digits of one digest: 64 or 128. */
    public int hexLength() {
        return 2 * digestSize();
    }

    public int blockSize() {
        return 1 << LG_BLOCK_SIZE;
    }

    /** {@code FS_VERITY_HASH_ALG_*}: 1 for sha256, 2 for sha512 (ovl_metacopy.digest_algo). */
    public int code() {
        return hash.kernelId();
    }

    /** composefs-rs's name: {@code fsverity-sha256-12} or {@code fsverity-sha512-12}. */
    public String repoName() {
        return "fsverity-" + hash.shortName() + "-" + LG_BLOCK_SIZE;
    }

    /** A new incremental digest computation with this algorithm. */
    public FsVerityHasher newHasher() {
        return new FsVerityHasher(params);
    }

    /** The fs-verity digest of {@code data}. */
    public byte[] digest(byte[] data) {
        FsVerityHasher h = newHasher();
        h.update(data, 0, data.length);
        return h.finish();
    }

    /** Whether {@code s} is a digest of this algorithm in lowercase hex. */
    public boolean isLowerHex(String s) {
        if (s == null || s.length() != hexLength()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Parses composefs-rs's name; a one-line {@link IllegalArgumentException} for any other. */
    public static VerityAlgorithm fromRepoName(String name) {
        for (VerityAlgorithm a : values()) {
            if (a.repoName().equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported fs-verity algorithm '" + abbreviate(name)
                + "' (cfsj supports fsverity-sha256-12 and fsverity-sha512-12)");
    }

    /** The algorithm with kernel number {@code code}, or null for an unknown one. */
    public static VerityAlgorithm fromCode(int code) {
        for (VerityAlgorithm a : values()) {
            if (a.code() == code) {
                return a;
            }
        }
        return null;
    }

    /** The algorithm whose digests are {@code size} bytes long, or null. */
    public static VerityAlgorithm ofDigestSize(int size) {
        for (VerityAlgorithm a : values()) {
            if (a.digestSize() == size) {
                return a;
            }
        }
        return null;
    }

    /**
     * The algorithm of a digest already known to come from a supported algorithm; an
     * {@link IllegalArgumentException} for any other length.
     */
    public static VerityAlgorithm ofDigest(byte[] digest) {
        VerityAlgorithm a = ofDigestSize(digest.length);
        if (a == null) {
            throw new IllegalArgumentException("a " + digest.length
                    + "-byte digest is neither a sha256 (32) nor a sha512 (64) fs-verity digest");
        }
        return a;
    }

    /** Lowercase hex. */
    public static String hex(byte[] digest) {
        return HEX.formatHex(digest);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "(none)";
        }
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }
}
