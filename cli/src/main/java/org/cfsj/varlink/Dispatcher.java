package org.cfsj.varlink;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes a call to the interface that declares its method and turns every outcome into a reply:
 * an unknown interface or method, a requested {@code upgrade} (no cfsj method has one) or
 * parameters that do not fit the method's input type get the {@code org.varlink.service} error
 * the protocol names; a {@link VarlinkError} from the handler becomes an error reply.
 *
 * <p>A handler that fails with an unexpected exception answers with the interface's own
 * {@code InternalError(message: string)} when the interface declares one (cfsctl's interfaces
 * do), and otherwise ends the connection: the protocol has no generic failure to report it with.
 * No call's failure reaches another connection.
 */
final class Dispatcher {
    private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final Map<String, VarlinkInterface> interfaces;
    private final Map<String, ParameterCheck> checks = new LinkedHashMap<>();

    Dispatcher(ServiceInfo info, List<VarlinkInterface> served) {
        Map<String, VarlinkInterface> all = new LinkedHashMap<>();
        Map<String, VarlinkInterface> view = Collections.unmodifiableMap(all);
        all.put(ServiceInterface.NAME, new ServiceInterface(info, view));
        for (VarlinkInterface i : served) {
            if (all.putIfAbsent(i.description().name(), i) != null) {
                throw new IllegalArgumentException("interface " + i.description().name() + " registered twice");
            }
        }
        all.forEach((name, i) -> checks.put(name, new ParameterCheck(i.description())));
        this.interfaces = view;
    }

    Map<String, VarlinkInterface> interfaces() {
        return interfaces;
    }

    /** Answers {@code call} through {@code sink}; an IOException means the connection is unusable. */
    <S extends MethodCall.ReplySink & VarlinkConnection> void dispatch(Call call, S sink) throws IOException {
        MethodCall mc = new MethodCall(call, sink, sink);
        VarlinkInterface iface = interfaces.get(call.interfaceName());
        try {
            if (iface == null) {
                throw VarlinkError.interfaceNotFound(call.interfaceName());
            }
            InterfaceDescription.Method method = iface.description().method(call.member())
                    .orElseThrow(() -> VarlinkError.methodNotFound(call.method()));
            if (call.upgrade()) {
                throw VarlinkError.invalidParameter("upgrade");
            }
            Optional<String> bad = checks.get(call.interfaceName()).firstInvalid(call.parameters(), method.input());
            if (bad.isPresent()) {
                throw VarlinkError.invalidParameter(bad.get());
            }
            iface.handle(mc);
            if (!mc.replied()) {
                mc.reply(JsonNodeFactory.instance.objectNode());
            }
        } catch (VarlinkError e) {
            mc.endStream();
            error(call, sink, e);
        } catch (RuntimeException e) {
            mc.endStream();
            LOG.log(System.Logger.Level.ERROR, "varlink call " + call.method() + " failed: " + e);
            if (iface == null || iface.description().error("InternalError").isEmpty()) {
                throw new IOException("call " + call.method() + " failed and its interface has no InternalError", e);
            }
            ObjectNode p = JsonNodeFactory.instance.objectNode().put("message", String.valueOf(e.getMessage()));
            error(call, sink, new VarlinkError(call.interfaceName() + ".InternalError", p));
        } finally {
            mc.endStream(); // also when the handler failed with an IOException
            mc.release();
        }
    }

    private static void error(Call call, MethodCall.ReplySink sink, VarlinkError e) throws IOException {
        if (!call.oneway()) {
            sink.error(e);
        }
    }
}
