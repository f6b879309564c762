package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import org.cfsj.oci.layer.LayerImport;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.ResolvedImage;
import org.cfsj.varlink.MethodCall;
import org.cfsj.varlink.ReplyStream;

/**
 * A pull's progress as {@code continues} replies of a {@code Pull} called with {@code more}:
 * cfsctl's {@code PullProgress} frames, each with exactly one of {@code started},
 * {@code progress}, {@code skipped}, {@code done} or {@code message} set. Component ids are layer
 * digests.
 *
 * <p>Layer events arrive from the download threads at once, so building frames is synchronized;
 * they are handed to the call's {@link ReplyStream}, whose own writer sends them, so no download
 * thread ever waits for the client (and the pull, with the repository lock it holds, never waits
 * for a client that does not read). A layer's byte counts are coalesced there: a newer count
 * replaces one still waiting. Counts are offered at most once per twentieth of the layer (and at
 * least 1 MiB apart), so a large layer costs the client tens of frames, not one per read. A
 * client that stops reading or disconnects stops the frames, not the pull: the pull runs to its
 * end and leaves the repository as a pull from the CLI would.
 */
final class PullFrames implements org.cfsj.oci.pull.PullProgress {
    private static final long MIN_STEP = 1 << 20;

    /** The coalescing key of a layer's byte counts. */
    private record ProgressOf(int layer) {}

    /** Null when the client did not ask for {@code more}: no frames then. */
    private final ReplyStream stream;
    private final Map<Integer, Long> lastSent = new HashMap<>();
    private final Map<Integer, Descriptor> layers = new HashMap<>();

    PullFrames(MethodCall call) {
        this.stream = call.more() ? call.stream() : null;
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
        send(f, new ProgressOf(index));
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
        send(frame, null);
    }

    private void send(ObjectNode frame, Object key) {
        if (stream != null) {
            stream.offer(frame, key);
        }
    }
}
