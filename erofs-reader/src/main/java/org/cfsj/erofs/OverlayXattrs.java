package org.cfsj.erofs;

import java.util.Arrays;
import org.cfsj.tree.Bytes;
import org.cfsj.verity.VerityAlgorithm;

/**
 * composefs's use of overlayfs xattrs, for the writer, the reader ({@link ImageTree}) and the FUSE
 * filesystem alike. A composefs image is mounted as an overlayfs layer, so overlayfs reads
 * {@code trusted.overlay.*} for itself: an external file is a metacopy file ({@link #METACOPY},
 * carrying its fs-verity digest) whose {@link #REDIRECT} names its backing object; the root is
 * {@link #OPAQUE}. A file's own {@code trusted.overlay.X} xattr is stored escaped as
 * {@code trusted.overlay.overlay.X}, which overlayfs shows as {@code trusted.overlay.X} and
 * hides every other {@code trusted.overlay.*}. A whiteout of the tree (a 0/0 char device) must
 * not act as one: it is stored as an empty regular file marked with {@link #ESCAPED_WHITEOUT} and
 * {@link #USER_WHITEOUT}, and its directory with {@link #ESCAPED_WHITEOUTS} and
 * {@link #USER_WHITEOUTS} (and, from format version 1, the escaped and user opaque markers).
 */
public final class OverlayXattrs {
    public static final String REDIRECT = "trusted.overlay.redirect";
    public static final String METACOPY = "trusted.overlay.metacopy";
    public static final String OPAQUE = "trusted.overlay.opaque";
    public static final String ESCAPED_WHITEOUT = "trusted.overlay.overlay.whiteout";
    public static final String ESCAPED_WHITEOUTS = "trusted.overlay.overlay.whiteouts";
    public static final String ESCAPED_OPAQUE = "trusted.overlay.overlay.opaque";
    public static final String USER_WHITEOUT = "user.overlay.whiteout";
    public static final String USER_WHITEOUTS = "user.overlay.whiteouts";
    public static final String USER_OPAQUE = "user.overlay.opaque";
    /** Size of the {@code struct ovl_metacopy} header: version, len, flags, digest_algo. */
    public static final int METACOPY_HEADER_SIZE = 4;
    /** Size of a metacopy value with a SHA-256 digest, the only one C composefs reads back. */
    public static final int METACOPY_DIGEST_SIZE = METACOPY_HEADER_SIZE + 32;
    private static final int METACOPY_ALGO = 3;

    private static final byte[] PRIVATE = Bytes.of("trusted.overlay.");
    private static final byte[] ESCAPED = Bytes.of("trusted.overlay.overlay.");
    private static final byte[] REDIRECT_NAME = Bytes.of(REDIRECT);
    private static final byte[] METACOPY_NAME = Bytes.of(METACOPY);
    private static final byte[] ESCAPED_WHITEOUT_NAME = Bytes.of(ESCAPED_WHITEOUT);
    private static final byte[] ESCAPED_WHITEOUTS_NAME = Bytes.of(ESCAPED_WHITEOUTS);
    private static final byte[] USER_WHITEOUT_NAME = Bytes.of(USER_WHITEOUT);
    private static final byte[] USER_WHITEOUTS_NAME = Bytes.of(USER_WHITEOUTS);

    private OverlayXattrs() {}

    public static boolean isRedirect(byte[] name) {
        return Arrays.equals(name, REDIRECT_NAME);
    }

    public static boolean isMetacopy(byte[] name) {
        return Arrays.equals(name, METACOPY_NAME);
    }

    /** True for the marker of a stored whiteout file ({@link #ESCAPED_WHITEOUT}). */
    public static boolean isWhiteoutMarker(byte[] name) {
        return Arrays.equals(name, ESCAPED_WHITEOUT_NAME);
    }

    /** True for the other markers the writer adds for whiteouts, which reading drops. */
    public static boolean isWhiteoutBookkeeping(byte[] name) {
        return Arrays.equals(name, ESCAPED_WHITEOUTS_NAME) || Arrays.equals(name, USER_WHITEOUT_NAME)
                || Arrays.equals(name, USER_WHITEOUTS_NAME);
    }

    /** The stored name of a file's own xattr: {@code trusted.overlay.X} becomes {@code trusted.overlay.overlay.X}. */
    public static byte[] escape(byte[] name) {
        if (!Bytes.startsWith(name, PRIVATE)) {
            return name;
        }
        byte[] stored = Arrays.copyOf(ESCAPED, name.length + (ESCAPED.length - PRIVATE.length));
        System.arraycopy(name, PRIVATE.length, stored, ESCAPED.length, name.length - PRIVATE.length);
        return stored;
    }

    /** The name a stored xattr is shown under, or null if overlayfs hides it (the inverse of {@link #escape}). */
    public static byte[] visibleName(byte[] stored) {
        if (!Bytes.startsWith(stored, PRIVATE)) {
            return stored;
        }
        if (!Bytes.startsWith(stored, ESCAPED)) {
            return null;
        }
        byte[] shown = Arrays.copyOf(PRIVATE, stored.length - (ESCAPED.length - PRIVATE.length));
        System.arraycopy(stored, ESCAPED.length, shown, PRIVATE.length, stored.length - ESCAPED.length);
        return shown;
    }

    /** True when the stored name {@code stored} is shown as {@code shown} (no copy made). */
    public static boolean showsAs(byte[] stored, byte[] shown) {
        if (!Bytes.startsWith(stored, PRIVATE)) {
            return Arrays.equals(stored, shown);
        }
        int tail = stored.length - ESCAPED.length;
        return Bytes.startsWith(stored, ESCAPED) && shown.length == PRIVATE.length + tail
                && Bytes.startsWith(shown, PRIVATE)
                && Arrays.equals(stored, ESCAPED.length, stored.length, shown, PRIVATE.length, shown.length);
    }

    /** The redirect value for an object path: the path below the object directory, with a leading '/'. */
    public static byte[] redirect(byte[] payload) {
        byte[] value = new byte[payload.length + 1];
        value[0] = '/';
        System.arraycopy(payload, 0, value, 1, payload.length);
        return value;
    }

    /**
     * The object path a redirect value names: without one leading '/' (unless that is all there
     * is), up to a NUL, as composefs reads it back into a payload.
     */
    public static String payload(byte[] redirect) {
        int start = redirect.length > 1 && redirect[0] == '/' ? 1 : 0;
        int end = start;
        while (end < redirect.length && redirect[end] != 0) {
            end++;
        }
        return Bytes.str(Arrays.copyOfRange(redirect, start, end));
    }

    /**
     * The metacopy value for a file: empty without a digest, else {@code struct ovl_metacopy}
     * (version 0, len = the whole value, flags 0, digest_algo) and the fs-verity digest, whose
     * algorithm its length tells ({@link VerityAlgorithm#ofDigest}).
     */
    public static byte[] metacopy(byte[] digest) {
        if (digest == null) {
            return new byte[0];
        }
        VerityAlgorithm alg = VerityAlgorithm.ofDigest(digest);
        byte[] value = new byte[METACOPY_HEADER_SIZE + alg.digestSize()];
        value[1] = (byte) value.length; // len counts the whole struct; version and flags stay 0
        value[METACOPY_ALGO] = (byte) alg.code();
        System.arraycopy(digest, 0, value, METACOPY_HEADER_SIZE, digest.length);
        return value;
    }

    /**
     * The fs-verity digest a metacopy value carries, or null if it carries none; the one reading of
     * metacopy values, for the image reader and the FUSE server alike.
     *
     * <ul>
     *   <li>A value of 36 bytes carries a SHA-256 digest (what C composefs reads back, whatever
     *       its header says), unless its digest_algo says SHA-512.
     *   <li>A value of 68 bytes carries a SHA-512 digest if its digest_algo says so (as
     *       composefs-rs writes it).
     *   <li>Any other value whose digest_algo names a known algorithm (1 = sha256, 2 = sha512)
     *       has the wrong length for it and is refused; the rest carry no digest (as C composefs
     *       reads them; overlayfs itself would also take only header + digest of the named size).
     * </ul>
     *
     * @throws ErofsFormatException for a value that names an algorithm but does not fit it
     */
    public static byte[] metacopyDigest(byte[] metacopy) throws ErofsFormatException {
        if (metacopy.length < METACOPY_HEADER_SIZE) {
            return null;
        }
        VerityAlgorithm named = VerityAlgorithm.fromCode(metacopy[METACOPY_ALGO] & 0xFF);
        int digestBytes = metacopy.length - METACOPY_HEADER_SIZE;
        if (named == null) {
            return metacopy.length == METACOPY_DIGEST_SIZE
                    ? Arrays.copyOfRange(metacopy, METACOPY_HEADER_SIZE, metacopy.length) : null;
        }
        if (digestBytes == 0 && (metacopy[1] & 0xFF) == METACOPY_HEADER_SIZE) {
            return null; // a header alone: overlayfs metacopy without a digest
        }
        if (digestBytes != named.digestSize()) {
            throw new ErofsFormatException("metacopy xattr says " + named.hash().shortName() + " but carries "
                    + digestBytes + " digest bytes (expected " + named.digestSize() + ")");
        }
        if ((metacopy[1] & 0xFF) != metacopy.length && named != VerityAlgorithm.SHA256_12) {
            throw new ErofsFormatException("metacopy xattr of " + metacopy.length + " bytes says its length is "
                    + (metacopy[1] & 0xFF));
        }
        return Arrays.copyOfRange(metacopy, METACOPY_HEADER_SIZE, metacopy.length);
    }
}
