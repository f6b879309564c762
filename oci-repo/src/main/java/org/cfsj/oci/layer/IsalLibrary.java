package org.cfsj.oci.layer;

import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipException;
import org.cfsj.sys.IsalFunctions;

/**
 * Intel ISA-L's inflate ({@code libisal.so.2}) when it is installed, bound by
 * {@link IsalFunctions}: its decoder does 2-3x zlib's speed, and decompression is the largest
 * single cost of a pull. A decode of a known stream when the library is loaded guards against a
 * library that disagrees; anything wrong makes cfsj use the JDK's zlib instead (one debug log
 * line), never an error.
 */
final class IsalLibrary {
    private static final System.Logger LOG = System.getLogger(IsalLibrary.class.getName());

    private IsalLibrary() {}

    /** The library's functions, if it is installed and works; looked up once. */
    static Optional<IsalFunctions> functions() {
        return Holder.FUNCTIONS;
    }

    static boolean available() {
        return Holder.FUNCTIONS.isPresent();
    }

    private static final class Holder {
        static final Optional<IsalFunctions> FUNCTIONS = IsalFunctions.load(LOG, IsalLibrary::selfTest);
    }

    /**
     * Decodes a deflate stream made by the JDK (several blocks, some of them stored) in small
     * pieces and compares output, CRC-32 and the bytes left over; null if all agree.
     */
    private static String selfTest(IsalFunctions f) {
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251 < 120 ? 'a' + (i * 7 % 13) : i * 31 + (i >> 9));
        }
        byte[] tail = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Deflater deflater = new Deflater(6, true);
        byte[] stream = new byte[data.length * 2];
        int len;
        try {
            deflater.setInput(data);
            deflater.finish();
            len = deflater.deflate(stream);
        } finally {
            deflater.end();
        }
        System.arraycopy(tail, 0, stream, len, tail.length);
        byte[] out = new byte[data.length + 1];
        int got = 0;
        try (IsalDeflateDecoder d = new IsalDeflateDecoder(f)) {
            d.startMember();
            int fed = 0;
            int total = len + tail.length;
            while (!d.finished()) {
                if (d.needsInput()) {
                    if (fed == total) {
                        return "wants more input than the stream has";
                    }
                    int n = Math.min(1000, total - fed);
                    d.setInput(stream, fed, n);
                    fed += n;
                }
                got += d.inflate(out, got, out.length - got);
            }
            CRC32 crc = new CRC32();
            crc.update(data);
            if (got != data.length || !Arrays.equals(data, 0, data.length, out, 0, got)) {
                return "wrong output";
            }
            if (d.crc() != crc.getValue()) {
                return "wrong CRC-32";
            }
            if (fed - d.remaining() != len) {
                return "wrong end of stream";
            }
        } catch (ZipException | RuntimeException e) {
            return e.toString();
        }
        return null;
    }
}
