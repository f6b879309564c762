package org.cfsj.repo;

import java.util.HexFormat;
import org.cfsj.verity.FsVerity;

/**
 * The name of an object in the repository: its fs-verity digest (SHA-256, 4 KiB blocks, no
 * salt), kept as 64 lowercase hex digits. Objects, images and splitstreams are all named this way.
 *
 * @param hex 64 lowercase hex digits
 */
public record ObjectId(String hex) implements Comparable<ObjectId> {
    public static final int BYTES = 32;

    public ObjectId {
        if (!isHex64(hex)) {
            throw new IllegalArgumentException("not a sha256 fs-verity digest (64 lowercase hex digits): " + hex);
        }
    }

    public static ObjectId of(byte[] digest) {
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("digest is " + digest.length + " bytes, expected " + BYTES);
        }
        return new ObjectId(HexFormat.of().formatHex(digest));
    }

    /** Parses 64 hex digits (either case); null if {@code s} is not one. */
    public static ObjectId parseOrNull(String s) {
        if (s == null || s.length() != 64) {
            return null;
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        return isHex64(lower) ? new ObjectId(lower) : null;
    }

    /** 64 lowercase hex digits (checked by hand: every object written makes one of these). */
    private static boolean isHex64(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
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
