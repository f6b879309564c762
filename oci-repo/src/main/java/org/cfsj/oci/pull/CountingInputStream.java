package org.cfsj.oci.pull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Reports the running byte count of a download (for progress). */
final class CountingInputStream extends FilterInputStream {
    private final LongConsumer report;
    private long count;

    CountingInputStream(InputStream in, LongConsumer report) {
        super(in);
        this.report = report;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            report.accept(++count);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
            report.accept(count);
        }
        return n;
    }

    long count() {
        return count;
    }
}
