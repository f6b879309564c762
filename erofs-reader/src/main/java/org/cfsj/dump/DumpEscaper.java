package org.cfsj.dump;

import java.io.ByteArrayOutputStream;

/**
 * The escaping rules of composefs-dump(5): backslash, newline, carriage return and tab get C-style
 * escapes, bytes that are not printable ASCII get {@code \xNN}. Which extra characters are escaped
 * depends on the field.
 */
public final class DumpEscaper {
    public enum Style {
        /** Paths: space and every non-graphic byte escaped. */
        STANDARD,
        /** Payload and content: as STANDARD, and a lone "-" is escaped so it cannot read as "unset". */
        LONE_DASH,
        /** Xattr names and values: as STANDARD, and '=' escaped. */
        EQUAL,
        /** The "ls" listing: spaces kept. */
        KEEP_SPACE
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes();

    private DumpEscaper() {}

    public static void escape(ByteArrayOutputStream out, byte[] value, Style style) {
        if (style == Style.LONE_DASH && value.length == 1 && value[0] == '-') {
            hex(out, '-');
            return;
        }
        for (byte b : value) {
            int c = b & 0xff;
            switch (c) {
                case '\\' -> two(out, '\\');
                case '\n' -> two(out, 'n');
                case '\r' -> two(out, 'r');
                case '\t' -> two(out, 't');
                default -> {
                    boolean printable = style == Style.KEEP_SPACE ? (c >= 0x20 && c < 0x7f) : (c > 0x20 && c < 0x7f);
                    if (!printable || (c == '=' && style == Style.EQUAL)) {
                        hex(out, c);
                    } else {
                        out.write(c);
                    }
                }
            }
        }
    }

    /** The escaped form of a value, as ISO-8859-1 text. */
    public static String escape(byte[] value, Style style) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 8);
        escape(out, value, style);
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static void two(ByteArrayOutputStream out, char c) {
        out.write('\\');
        out.write(c);
    }

    private static void hex(ByteArrayOutputStream out, int c) {
        out.write('\\');
        out.write('x');
        out.write(HEX[c >> 4]);
        out.write(HEX[c & 0xf]);
    }
}
