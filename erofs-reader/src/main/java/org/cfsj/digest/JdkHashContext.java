package org.cfsj.digest;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** {@link HashContext} on the JDK's {@link MessageDigest}. */
final class JdkHashContext implements HashContext {
    /** Never updated; cloning one skips the provider lookup of getInstance (costly per small file). */
    private static final ConcurrentMap<String, MessageDigest> PROTOTYPES = new ConcurrentHashMap<>();

    private final MessageDigest md;

    JdkHashContext(String algorithm) {
        this.md = newDigest(algorithm);
    }

    private static MessageDigest newDigest(String algorithm) {
        MessageDigest p = PROTOTYPES.computeIfAbsent(algorithm, a -> {
            try {
                return MessageDigest.getInstance(a);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalArgumentException("the JDK has no " + a, e);
            }
        });
        try {
            return (MessageDigest) p.clone();
        } catch (CloneNotSupportedException e) {
            // Not the case for the JDK's providers; a third-party one might be installed first.
            try {
                return MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    @Override
    public String algorithm() {
        return md.getAlgorithm();
    }

    @Override
    public int digestSize() {
        return md.getDigestLength();
    }

    @Override
    public void update(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length); // as OpenSSL's (MessageDigest throws IllegalArgumentException)
        md.update(b, off, len);
    }

    @Override
    public void update(ByteBuffer buf) {
        md.update(buf);
    }

    @Override
    public void update(MemorySegment segment) {
        md.update(segment.asByteBuffer());
    }

    @Override
    public void digest(byte[] out, int off) {
        Objects.checkFromIndexSize(off, md.getDigestLength(), out.length);
        try {
            md.digest(out, off, md.getDigestLength());
        } catch (DigestException e) {
            throw new IndexOutOfBoundsException("no room for the hash at " + off + " of " + out.length + " bytes");
        }
    }

    @Override
    public void close() {
        // nothing to free
    }

    @Override
    public String backend() {
        return "JDK";
    }
}
