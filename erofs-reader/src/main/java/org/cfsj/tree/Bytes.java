package org.cfsj.tree;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Names in a filesystem are bytes, not text. Strings in cfsj that hold names use ISO-8859-1 so
 * that every byte maps to exactly one char and back.
 */
public final class Bytes {
    /** strcmp order: unsigned byte-wise, shorter prefix first. */
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private Bytes() {}

    public static byte[] of(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    public static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }
}
