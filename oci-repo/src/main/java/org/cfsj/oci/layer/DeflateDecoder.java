package org.cfsj.oci.layer;

import java.util.zip.ZipException;

/**
 * Raw deflate (RFC 1951) decoding of one gzip member's body at a time, for {@link
 * GzipInputStream}, which owns the framing (headers, trailers, member boundaries) so that both
 * backends accept and refuse exactly the same files with the same messages.
 *
 * <p>Input contract: {@link #setInput} gets the next bytes of the compressed stream at {@code
 * buf[off, off + len)}, and {@code buf[off - min(off, HISTORY), off)} are the stream bytes just
 * before them. A decoder that reads ahead into a bit buffer (ISA-L keeps up to 8 bytes) gives the
 * unused bytes back when the member ends, and they may lie before {@code off}: {@link
 * #remaining()} then exceeds the last {@code len}, and the caller finds them in that history.
 */
sealed interface DeflateDecoder extends AutoCloseable permits JdkDeflateDecoder, IsalDeflateDecoder {
    /** Bytes of stream history the caller keeps before the input it hands over. */
    int HISTORY = 16;
    /** The most bytes one {@link #setInput} may span, the history before {@code off} included. */
    int INPUT_WINDOW = HISTORY + (1 << 16);

    /** Starts a new member: forgets all input and output state. */
    void startMember();

    /** Hands over the next compressed bytes (at most {@link #INPUT_WINDOW} with the history); see the class comment. */
    void setInput(byte[] buf, int off, int len);

    /**
     * Decompresses into {@code b[off, off + len)}; returns the bytes written, 0 when input is
     * needed or the member has ended.
     *
     * @throws ZipException on invalid deflate data
     */
    int inflate(byte[] b, int off, int len) throws ZipException;

    /** The member's deflate data has ended (its last block decoded and all output returned). */
    boolean finished();

    /** Nothing can be decoded until more input arrives. */
    boolean needsInput();

    /** Input bytes not used (after {@link #finished()}: the bytes following the deflate data). */
    int remaining();

    /** CRC-32 of everything this member decompressed so far. */
    long crc();

    /** Frees the decoder's memory; it must not be used afterwards. */
    @Override
    void close();

    /** The library this decoder uses, for logs and tests. */
    String backend();

    /**
     * The fastest decoder available: ISA-L (2-3x zlib's speed) when {@code libisal.so.2} is
     * installed and passes its self-test, else the JDK's zlib. System property {@code
     * cfsj.inflate=jdk} forces the JDK's, for comparisons.
     */
    static DeflateDecoder create() {
        if (!"jdk".equals(System.getProperty("cfsj.inflate")) && IsalLibrary.available()) {
            return new IsalDeflateDecoder();
        }
        return new JdkDeflateDecoder();
    }
}
