package org.cfsj.repo;

import java.util.HexFormat;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.VerityAlgorithm;

/**
 * The name of an object in the repository: its fs-verity digest under the repository's
 * {@link VerityAlgorithm} (4 KiB blocks, no salt), kept as lowercase hex: 64 digits for
 * {@code fsverity-sha256-12}, 128 for {@code fsverity-sha512-12}. Objects, images and splitstreams
 * are all named this way. The hex width tells the algorithm ({@link #algorithm()}); a repository
 * accepts only names of its own ({@link ObjectStore#algorithm()}).
 *
 * @param hex 64 or 128 lowercase hex digits
 */
public record ObjectId(String hex) implements Comparable<ObjectId> {
    public ObjectId {
        if (!isName(hex)) {
            throw new IllegalArgumentException(
                    "not an fs-verity digest (64 or 128 lowercase hex digits): " + abbreviate(hex));
        }
    }

    /** The id of a sha256 (32-byte) or sha512 (64-byte) digest. */
    public static ObjectId of(byte[] digest) {
        VerityAlgorithm.ofDigest(digest);
        return new ObjectId(HexFormat.of().formatHex(digest));
    }

    /** Parses a digest of {@code algorithm} in hex (either case); null if {@code s} is not one. */
    public static ObjectId parseOrNull(String s, VerityAlgorithm algorithm) {
        if (s == null || s.length() != algorithm.hexLength()) {
            return null;
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        return algorithm.isLowerHex(lower) ? new ObjectId(lower) : null;
    }

    /** Lowercase hex of a supported digest length (checked by hand: every object written makes one of these). */
    private static boolean isName(String s) {
        if (s == null || s.length() % 2 != 0) {
            return false;
        }
        VerityAlgorithm a = VerityAlgorithm.ofDigestSize(s.length() / 2);
        return a != null && a.isLowerHex(s);
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 140 ? s.substring(0, 140) + "..." : s;
    }

    /** The algorithm this id is a digest of (by its width). */
    public VerityAlgorithm algorithm() {
        return VerityAlgorithm.ofDigestSize(hex.length() / 2);
    }

    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    /** Path relative to {@code objects/}: {@code "3d/248ca5…"}, which is also a composefs payload. */
    public String objectPath() {
        return FsVerity.objectPath(bytes());
    }

    @Override
    public int compareTo(ObjectId o) {
        return hex.compareTo(o.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
