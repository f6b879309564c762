package org.cfsj.oci.pull;

import java.io.PrintStream;
import java.util.Locale;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.ResolvedImage;

/** Progress as plain lines, one per event worth keeping: for logs and pipes (no TTY). */
public final class LineProgress implements PullProgress {
    private final PrintStream out;
    private int layers;

    public LineProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void resolved(String source, ResolvedImage image) {
        layers = image.parsed().layers().size();
        out.println("pulling " + source + ": manifest " + image.manifest().digest() + ", " + layers + " layer" + (layers == 1 ? "" : "s"));
    }

    @Override
    public synchronized void layerSkipped(int index, Descriptor layer, String diffId) {
        out.println("layer " + (index + 1) + "/" + layers + " " + Units.shortDigest(layer.digest().toString()) + ": already present");
    }

    @Override
    public synchronized void layerDone(int index, Descriptor layer, LayerImport result, long nanos) {
        out.println(String.format(Locale.ROOT, "layer %d/%d %s: %s in %.1fs (%s), %d entries, %d new objects of %d",
                index + 1, layers, Units.shortDigest(layer.digest().toString()), Units.bytes(layer.size()), nanos / 1e9,
                Units.rate(layer.size(), nanos), result.entries(), result.newObjects(), result.objects()));
    }

    @Override
    public synchronized void layerFailed(int index, Descriptor layer, Exception error) {
        out.println("layer " + (index + 1) + "/" + layers + " " + Units.shortDigest(layer.digest().toString()) + ": failed");
    }

    @Override
    public synchronized void step(String what) {
        out.println(what);
    }

    @Override
    public void close() {
        out.flush();
    }
}
