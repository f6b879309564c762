package org.cfsj.varlink;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A varlink error reply: a fully qualified error name ({@code interface.ErrorName}) and its
 * parameters. Thrown by a method handler to answer its call with an error; received by
 * {@link VarlinkClient} when the service answered with one.
 *
 * <p>Carries no stack trace: it is an answer, not a fault of cfsj.
 */
public final class VarlinkError extends Exception {
    public static final String SERVICE = "org.varlink.service";

    private final String error;
    private final transient ObjectNode parameters;

    public VarlinkError(String error, ObjectNode parameters) {
        super(error + (parameters == null || parameters.isEmpty() ? "" : " " + parameters), null, false, false);
        this.error = error;
        this.parameters = parameters == null ? JsonNodeFactory.instance.objectNode() : parameters;
    }

    /** The fully qualified error name. */
    public String error() {
        return error;
    }

    public ObjectNode parameters() {
        return parameters;
    }

    private static VarlinkError service(String name, String field, String value) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        if (field != null) {
            p.put(field, value);
        }
        return new VarlinkError(SERVICE + "." + name, p);
    }

    public static VarlinkError interfaceNotFound(String iface) {
        return service("InterfaceNotFound", "interface", iface);
    }

    public static VarlinkError methodNotFound(String method) {
        return service("MethodNotFound", "method", method);
    }

    public static VarlinkError methodNotImplemented(String method) {
        return service("MethodNotImplemented", "method", method);
    }

    public static VarlinkError invalidParameter(String parameter) {
        return service("InvalidParameter", "parameter", parameter);
    }

    public static VarlinkError permissionDenied() {
        return service("PermissionDenied", null, null);
    }

    public static VarlinkError expectedMore() {
        return service("ExpectedMore", null, null);
    }
}
