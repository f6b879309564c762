package org.cfsj.varlink;

import static org.cfsj.varlink.VarlinkType.Primitive.STRING;
import static org.cfsj.varlink.VarlinkType.array;
import static org.cfsj.varlink.VarlinkType.field;
import static org.cfsj.varlink.VarlinkType.struct;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code org.varlink.service}, which every varlink service provides: {@code GetInfo} and
 * {@code GetInterfaceDescription}, and the errors the protocol itself reports. Its description is
 * the one varlink.org publishes, so clients that parse it find the names they expect.
 */
final class ServiceInterface implements VarlinkInterface {
    static final String NAME = VarlinkError.SERVICE;

    static final InterfaceDescription DESCRIPTION = new InterfaceDescription(NAME,
            "The Varlink Service Interface is provided by every varlink service. It\n"
                    + "describes the service and the interfaces it implements.",
            List.of(),
            List.of(new InterfaceDescription.Method("GetInfo",
                            "Get a list of all the interfaces a service provides and information\nabout the implementation.",
                            struct(),
                            struct(field("vendor", STRING), field("product", STRING), field("version", STRING),
                                    field("url", STRING), field("interfaces", array(STRING)))),
                    new InterfaceDescription.Method("GetInterfaceDescription",
                            "Get the description of an interface that is implemented by this service.",
                            struct(field("interface", STRING)), struct(field("description", STRING)))),
            List.of(new InterfaceDescription.Error("InterfaceNotFound", "The requested interface was not found.",
                            struct(field("interface", STRING))),
                    new InterfaceDescription.Error("MethodNotFound", "The requested method was not found",
                            struct(field("method", STRING))),
                    new InterfaceDescription.Error("MethodNotImplemented",
                            "The interface defines the requested method, but the service does not\nimplement it.",
                            struct(field("method", STRING))),
                    new InterfaceDescription.Error("InvalidParameter", "One of the passed parameters is invalid.",
                            struct(field("parameter", STRING))),
                    new InterfaceDescription.Error("PermissionDenied", "Client is denied access", struct()),
                    new InterfaceDescription.Error("ExpectedMore",
                            "Method is expected to be called with 'more' set to true, but wasn't", struct())));

    private final ServiceInfo info;
    private final Map<String, VarlinkInterface> interfaces;

    /** {@code interfaces}: every interface served, this one included, in the order GetInfo lists them. */
    ServiceInterface(ServiceInfo info, Map<String, VarlinkInterface> interfaces) {
        this.info = info;
        this.interfaces = interfaces;
    }

    @Override
    public InterfaceDescription description() {
        return DESCRIPTION;
    }

    @Override
    public void handle(MethodCall call) throws VarlinkError, IOException {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        switch (call.method()) {
            case "GetInfo" -> {
                out.put("vendor", info.vendor()).put("product", info.product()).put("version", info.version())
                        .put("url", info.url());
                interfaces.keySet().forEach(out.putArray("interfaces")::add);
            }
            case "GetInterfaceDescription" -> {
                String name = call.parameters().get("interface").asText();
                VarlinkInterface iface = interfaces.get(name);
                if (iface == null) {
                    throw VarlinkError.interfaceNotFound(name);
                }
                out.put("description", iface.description().idl());
            }
            default -> throw VarlinkError.methodNotImplemented(NAME + "." + call.method());
        }
        call.reply(out);
    }
}
