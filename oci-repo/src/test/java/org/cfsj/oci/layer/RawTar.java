package org.cfsj.oci.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes tar blocks byte by byte, so that tests can make archives no tar tool would: PAX
 * records with any key and value (NUL bytes, negative numbers, megabytes), global headers
 * in any number, raw header fields. Independent of cfsj's parser: it follows the ustar layout
 * (POSIX.1-2001) and the PAX record syntax "LEN KEY=VALUE\n".
 */
final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A ustar header block for a member; {@code type} is the typeflag byte. */
    static byte[] header(byte[] name, char type, long size, byte[] link) {
        byte[] b = new byte[512];
        System.arraycopy(name, 0, b, 0, Math.min(name.length, 100));
        octal(b, 100, 8, 0644);
        octal(b, 108, 8, 0);
        octal(b, 116, 8, 0);
        octal(b, 124, 12, size);
        octal(b, 136, 12, 1_700_000_000L);
        b[156] = (byte) type;
        System.arraycopy(link, 0, b, 157, Math.min(link.length, 100));
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, b, 257, 8);
        checksum(b);
        return b;
    }

    /** Recomputes the checksum field after a test changed other header bytes. */
    static void checksum(byte[] b) {
        Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        octal(b, 148, 7, sum);
        b[155] = ' ';
    }

    private static void octal(byte[] b, int off, int len, long v) {
        String s = Long.toOctalString(v);
        s = "0".repeat(len - 1 - s.length()) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, b, off, len - 1);
        b[off + len - 1] = 0;
    }

    /** One PAX record: the length prefix counts itself. */
    static byte[] record(String key, byte[] value) {
        byte[] kv = new byte[key.length() + 2 + value.length];
        byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(k, 0, kv, 0, k.length);
        kv[k.length] = '=';
        System.arraycopy(value, 0, kv, k.length + 1, value.length);
        kv[kv.length - 1] = '\n';
        int len = kv.length + 2;
        while (String.valueOf(len).length() + 1 + kv.length != len) {
            len = String.valueOf(len).length() + 1 + kv.length;
        }
        byte[] prefix = (len + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] r = Arrays.copyOf(prefix, len);
        System.arraycopy(kv, 0, r, prefix.length, kv.length);
        return r;
    }

    static byte[] record(String key, String value) {
        return record(key, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawTar raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** A block-padded data area. */
    RawTar data(byte[] content) {
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    /** A PAX extended header ('x' for the next member, 'g' global) holding these records. */
    RawTar pax(char type, byte[]... records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] r : records) {
            body.writeBytes(r);
        }
        byte[] data = body.toByteArray();
        raw(header(("PaxHeaders/" + type).getBytes(StandardCharsets.US_ASCII), type, data.length, new byte[0]));
        return data(data);
    }

    RawTar file(String name, byte[] content) {
        raw(header(name.getBytes(StandardCharsets.ISO_8859_1), '0', content.length, new byte[0]));
        return data(content);
    }

    RawTar symlink(String name, String target) {
        return raw(header(name.getBytes(StandardCharsets.ISO_8859_1), '2', 0,
                target.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** A character ('3') or block ('4') device with these major and minor numbers (octal header fields). */
    RawTar device(String name, char type, long major, long minor) {
        byte[] h = header(name.getBytes(StandardCharsets.ISO_8859_1), type, 0, new byte[0]);
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        checksum(h);
        return raw(h);
    }

    /** The end-of-archive blocks, then the whole archive. */
    byte[] finish() {
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }
}
