package org.cfsj.oci.source;

import java.util.HexFormat;
import java.util.regex.Pattern;
import org.cfsj.digest.HashContext;

/**
 * A content digest as OCI writes it: {@code sha256:<64 lowercase hex>}. Only sha256 is accepted:
 * it is what every registry and layout uses, and refusing the rest keeps a crafted descriptor from
 * naming a digest cfsj cannot check.
 */
public record Digest(String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (!HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a sha256 digest: " + hex);
        }
    }

    /** Parses {@code sha256:HEX}; throws {@link IllegalArgumentException} with the text on anything else. */
    public static Digest parse(String text) {
        if (text == null || !text.startsWith("sha256:") || !HEX.matcher(text.substring(7)).matches()) {
            throw new IllegalArgumentException("unsupported or malformed digest: " + text);
        }
        return new Digest(text.substring(7));
    }

    public static Digest of(byte[] content) {
        try (HashContext sha = HashContext.sha256()) {
            sha.update(content);
            return new Digest(HexFormat.of().formatHex(sha.digest()));
        }
    }

    /** The hex part, the file name under {@code blobs/sha256/} of an OCI layout. */
    public String encoded() {
        return hex;
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
