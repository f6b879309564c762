package org.cfsj.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A varlink method call as it arrives: {@code {"method": "iface.Method", "parameters": {...},
 * "oneway": bool, "more": bool, "upgrade": bool}}. Only {@code method} is required; missing
 * parameters are an empty object and missing flags are false. Other top-level keys are ignored.
 *
 * @param fds the fds that came with the message, owned by whoever holds the call
 */
record Call(String method, ObjectNode parameters, boolean oneway, boolean more, boolean upgrade, int[] fds) {

    /** The interface part of {@link #method()}: everything before the last dot. */
    String interfaceName() {
        int dot = method.lastIndexOf('.');
        return dot < 0 ? "" : method.substring(0, dot);
    }

    /** The member part of {@link #method()}. */
    String member() {
        return method.substring(method.lastIndexOf('.') + 1);
    }

    /** The call in {@code message}, or the {@code InvalidParameter} error naming the field that is wrong. */
    static Call of(JsonNode message, int[] fds) throws VarlinkError {
        if (!message.isObject()) {
            throw VarlinkError.invalidParameter("message");
        }
        JsonNode method = message.get("method");
        if (method == null || !method.isTextual()) {
            throw VarlinkError.invalidParameter("method");
        }
        JsonNode parameters = message.get("parameters");
        ObjectNode params;
        if (parameters == null || parameters.isNull()) {
            params = JsonNodeFactory.instance.objectNode();
        } else if (parameters instanceof ObjectNode o) {
            params = o;
        } else {
            throw VarlinkError.invalidParameter("parameters");
        }
        return new Call(method.asText(), params, flag(message, "oneway"), flag(message, "more"), flag(message, "upgrade"), fds);
    }

    private static boolean flag(JsonNode message, String name) throws VarlinkError {
        JsonNode v = message.get(name);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw VarlinkError.invalidParameter(name);
        }
        return v.asBoolean();
    }
}
