package org.cfsj.oci.pull;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.ResolvedImage;

/**
 * Progress on a terminal: one line per layer (bytes received of total, rate, state), redrawn in
 * place five times a second with ANSI cursor movement, as container tools do.
 */
public final class TerminalProgress implements PullProgress {
    private static final String UP = "\033[%dA";
    private static final String CLEAR_LINE = "\033[2K\r";

    private final PrintStream out;
    private final ScheduledExecutorService ticker;
    private final List<Row> rows = new ArrayList<>();
    private int drawn;
    private String header = "";

    private static final class Row {
        final String digest;
        final long size;
        volatile long received;
        volatile long started;
        volatile long finished;
        volatile String state = "waiting";

        Row(Descriptor d) {
            digest = Units.shortDigest(d.digest().toString());
            size = d.size();
        }
    }

    public TerminalProgress(PrintStream out) {
        this.out = out;
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).name("cfsj-progress").factory());
        ticker.scheduleAtFixedRate(this::redraw, 200, 200, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void resolved(String source, ResolvedImage image) {
        header = "pulling " + source + " (manifest " + Units.shortDigest(image.manifest().digest().toString()) + ")";
        for (Descriptor d : image.parsed().layers()) {
            rows.add(new Row(d));
        }
        redraw();
    }

    @Override
    public void layerSkipped(int index, Descriptor layer, String diffId) {
        row(index).state = "already present";
    }

    @Override
    public void layerStarted(int index, Descriptor layer) {
        Row r = row(index);
        r.started = System.nanoTime();
        r.state = "downloading";
    }

    @Override
    public void layerBytes(int index, long received) {
        row(index).received = received;
    }

    @Override
    public void layerDone(int index, Descriptor layer, LayerImport result, long nanos) {
        Row r = row(index);
        r.finished = System.nanoTime();
        r.state = "done";
    }

    @Override
    public void layerFailed(int index, Descriptor layer, Exception error) {
        row(index).state = "failed";
    }

    @Override
    public synchronized void step(String what) {
        redraw();
        out.println(what);
        // Steps come after the layers: the table is final, stop redrawing it.
        rows.clear();
        drawn = 0;
    }

    private synchronized Row row(int index) {
        return index < rows.size() ? rows.get(index) : new Row(new Descriptor(null, new org.cfsj.oci.source.Digest("0".repeat(64)), 0));
    }

    private synchronized void redraw() {
        if (rows.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (drawn > 0) {
            sb.append(String.format(Locale.ROOT, UP, drawn));
        }
        sb.append(CLEAR_LINE).append(header).append('\n');
        long now = System.nanoTime();
        for (Row r : rows) {
            sb.append(CLEAR_LINE).append("  ").append(r.digest).append("  ");
            switch (r.state) {
                case "downloading" -> sb.append(String.format(Locale.ROOT, "%10s / %-10s %12s", Units.bytes(r.received),
                        Units.bytes(r.size), Units.rate(r.received, now - r.started)));
                case "done" -> sb.append(String.format(Locale.ROOT, "%10s  done %12s", Units.bytes(r.size),
                        Units.rate(r.size, r.finished - r.started)));
                default -> sb.append(r.state);
            }
            sb.append('\n');
        }
        drawn = rows.size() + 1;
        out.print(sb);
        out.flush();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        synchronized (this) {
            if (drawn > 0) {
                redraw();
            }
        }
        out.flush();
    }
}
