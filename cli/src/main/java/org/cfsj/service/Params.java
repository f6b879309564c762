package org.cfsj.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A call's parameters, read by field. The varlink core has already checked them against the
 * method's input type, so a required field is present with its declared type and an optional one
 * is absent, null or of its type; these readers only turn JSON into Java.
 */
record Params(ObjectNode json) {
    String string(String field) {
        return json.get(field).asText();
    }

    /** An optional string, null when absent. */
    String optString(String field) {
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    boolean bool(String field, boolean absent) {
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? absent : v.asBoolean();
    }

    /** An optional bool, null when absent. */
    Boolean optBool(String field) {
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? null : v.asBoolean();
    }

    /** An int field; the core's check already refused (InvalidParameter) a value no long can hold. */
    long integer(String field) {
        JsonNode v = json.get(field);
        if (!v.canConvertToLong()) {
            throw new IllegalStateException("int parameter " + field + " passed the parameter check out of range");
        }
        return v.asLong();
    }

    List<String> strings(String field) {
        List<String> out = new ArrayList<>();
        json.get(field).forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A struct field, or an empty object when an optional one is absent. */
    Params object(String field) {
        JsonNode v = json.get(field);
        return new Params(v instanceof ObjectNode o ? o : json.objectNode());
    }
}
