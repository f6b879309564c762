package org.cfsj.sys;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The one rule by which this package turns a Java string into the bytes of a Linux path or name:
 * the charset the JDK itself uses for file names ({@code sun.jnu.encoding}; UTF-8 if unset or
 * unknown).
 *
 * <p>Why this rule: Linux paths are bytes. A {@link Path} or a command-line argument reached Java
 * by being decoded with {@code sun.jnu.encoding}, so encoding it back the same way gives the
 * kernel the bytes it came from, and a path a binding here opens is the file {@code java.nio}
 * opens for the same string. Callers that hold raw bytes (names read with {@code getdents64},
 * symlink targets) pass them as {@code byte[]} and are never decoded at all.
 */
public final class PathNames {
    private static final Charset CHARSET = nameCharset();

    private PathNames() {}

    private static Charset nameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The charset of the rule. */
    public static Charset charset() {
        return CHARSET;
    }

    /** The bytes of a path that came from a Java string (a command-line argument, a {@link Path}). */
    public static byte[] bytes(String path) {
        return path.getBytes(CHARSET);
    }

    /** {@link #bytes(String)} of {@code path.toString()}. */
    public static byte[] bytes(Path path) {
        return bytes(path.toString());
    }
}
