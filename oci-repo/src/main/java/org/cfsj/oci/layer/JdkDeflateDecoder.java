package org.cfsj.oci.layer;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/** Raw deflate on the JDK's {@link Inflater} (its bundled zlib): always available. */
final class JdkDeflateDecoder implements DeflateDecoder {
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();

    @Override
    public void startMember() {
        inflater.reset();
        crc.reset();
    }

    @Override
    public void setInput(byte[] buf, int off, int len) {
        inflater.setInput(buf, off, len);
    }

    @Override
    public int inflate(byte[] b, int off, int len) throws ZipException {
        int n;
        try {
            n = inflater.inflate(b, off, len);
        } catch (DataFormatException e) {
            throw new ZipException("corrupt gzip data: " + e.getMessage());
        }
        if (n == 0 && inflater.needsDictionary()) {
            throw new ZipException("corrupt gzip data: a preset dictionary is required");
        }
        crc.update(b, off, n);
        return n;
    }

    @Override
    public boolean finished() {
        return inflater.finished();
    }

    @Override
    public boolean needsInput() {
        return inflater.needsInput();
    }

    @Override
    public int remaining() {
        return inflater.getRemaining();
    }

    @Override
    public long crc() {
        return crc.getValue();
    }

    @Override
    public void close() {
        inflater.end();
    }

    @Override
    public String backend() {
        return "zlib (JDK)";
    }
}
