package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.ResolvedImage;
import org.cfsj.varlink.MethodCall;

/**
 * A pull's progress as {@code continues} replies of a {@code Pull} called with {@code more}:
 * cfsctl's {@code PullProgress} frames, each with exactly one of {@code started},
 * {@code progress}, {@code skipped}, {@code done} or {@code message} set. Component ids are layer
 * digests.
 *
 * <p>Layer events arrive from the download threads at once, so sending is synchronized. Byte
 * counts are sent at most once per twentieth of the layer (and at least 1 MiB apart), so a large
 * layer costs the client tens of frames, not one per read. A client that stops reading
 * (disconnects) stops the frames, not the pull: the pull runs to its end and leaves the
 * repository as a pull from the CLI would.
 */
final class PullFrames implements org.cfsj.oci.pull.PullProgress {
    private static final long MIN_STEP = 1 << 20;

    private final MethodCall call;
    private final Map<Integer, Long> lastSent = new HashMap<>();
    private final Map<Integer, Descriptor> layers = new HashMap<>();
    private boolean broken;

    PullFrames(MethodCall call) {
        this.call = call;
    }

    @Override
    public synchronized void resolved(String source, ResolvedImage image) {
        int n = image.parsed().layers().size();
        message("pulling " + source + ": manifest " + image.manifest().digest() + ", " + n + " layer" + (n == 1 ? "" : "s"));
    }

    @Override
    public synchronized void layerSkipped(int index, Descriptor layer, String diffId) {
        ObjectNode f = frame();
        f.putObject("skipped").put("id", layer.digest().toString());
        send(f);
    }

    @Override
    public synchronized void layerStarted(int index, Descriptor layer) {
        layers.put(index, layer);
        lastSent.put(index, 0L);
        ObjectNode f = frame();
        f.putObject("started").put("id", layer.digest().toString()).put("total", layer.size()).put("unit", "Bytes");
        send(f);
    }

    @Override
    public synchronized void layerBytes(int index, long received) {
        Descriptor layer = layers.get(index);
        if (layer == null) {
            return;
        }
        long step = Math.max(MIN_STEP, layer.size() / 20);
        if (received - lastSent.getOrDefault(index, 0L) < step && received != layer.size()) {
            return;
        }
        lastSent.put(index, received);
        ObjectNode f = frame();
        f.putObject("progress").put("id", layer.digest().toString()).put("fetched", received).put("total", layer.size());
        send(f);
    }

    @Override
    public synchronized void layerDone(int index, Descriptor layer, LayerImport result, long nanos) {
        layers.remove(index);
        lastSent.remove(index);
        ObjectNode f = frame();
        f.putObject("done").put("id", layer.digest().toString()).put("transferred", layer.size());
        send(f);
    }

    @Override
    public synchronized void layerFailed(int index, Descriptor layer, Exception error) {
        layers.remove(index);
        message("layer " + layer.digest() + " failed: " + ServiceErrors.oneLine(error));
    }

    @Override
    public synchronized void step(String what) {
        message(what);
    }

    /** A {@code message} frame (also the source's warnings). */
    synchronized void message(String text) {
        send(frame().put("message", text));
    }

    private static ObjectNode frame() {
        return JsonNodeFactory.instance.objectNode();
    }

    private void send(ObjectNode frame) {
        if (broken || !call.more()) {
            return;
        }
        try {
            call.replyContinues(frame);
        } catch (IOException e) {
            broken = true; // the client is gone; the pull goes on
        }
    }
}
