package org.cfsj.varlink;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a JSON value against a varlink type of one interface, so a handler never sees a wrong
 * type: the answer is the dotted path of the first offending parameter (what
 * {@code org.varlink.service.InvalidParameter} carries), or empty when the value fits.
 *
 * <p>Absent and {@code null} are the same for a {@code ?T} field and both wrong otherwise.
 * Fields the type does not declare are allowed and ignored, so a client written against a newer
 * interface still works (cfsctl's service does the same).
 */
final class ParameterCheck {
    private final InterfaceDescription iface;

    ParameterCheck(InterfaceDescription iface) {
        this.iface = iface;
    }

    Optional<String> firstInvalid(JsonNode value, VarlinkType.Struct type) {
        return struct(value, type, "");
    }

    private Optional<String> struct(JsonNode value, VarlinkType.Struct type, String path) {
        if (value == null || !value.isObject()) {
            return Optional.of(path.isEmpty() ? "parameters" : path);
        }
        for (VarlinkType.Field f : type.fields()) {
            String at = path.isEmpty() ? f.name() : path + "." + f.name();
            Optional<String> bad = check(value.get(f.name()), f.type(), at);
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    private Optional<String> check(JsonNode v, VarlinkType type, String path) {
        if (type instanceof VarlinkType.Maybe m) {
            return v == null || v.isNull() ? Optional.empty() : check(v, m.type(), path);
        }
        if (v == null || v.isNull()) {
            return Optional.of(path);
        }
        Optional<String> here = Optional.of(path);
        return switch (type) {
            case VarlinkType.Primitive p -> fits(v, p) ? Optional.empty() : here;
            case VarlinkType.Named n -> check(v, iface.type(n.name()).orElseThrow().type(), path);
            case VarlinkType.Array a -> {
                if (!v.isArray()) {
                    yield here;
                }
                for (int i = 0; i < v.size(); i++) {
                    Optional<String> bad = check(v.get(i), a.element(), path + "[" + i + "]");
                    if (bad.isPresent()) {
                        yield bad;
                    }
                }
                yield Optional.empty();
            }
            case VarlinkType.Dict d -> {
                if (!v.isObject()) {
                    yield here;
                }
                for (Map.Entry<String, JsonNode> e : v.properties()) {
                    Optional<String> bad = check(e.getValue(), d.value(), path + "." + e.getKey());
                    if (bad.isPresent()) {
                        yield bad;
                    }
                }
                yield Optional.empty();
            }
            case VarlinkType.Struct s -> struct(v, s, path);
            case VarlinkType.Enum e -> v.isTextual() && e.values().contains(v.asText()) ? Optional.empty() : here;
            case VarlinkType.Maybe m -> throw new AssertionError("handled above");
        };
    }

    private static boolean fits(JsonNode v, VarlinkType.Primitive p) {
        return switch (p) {
            case BOOL -> v.isBoolean();
            // JSON has one number type: 3.0 is an int, 3.5 is not; a varlink int is 64 bits, so 2^70 is not one either
            case INT -> v.isNumber() && v.canConvertToLong()
                    && (v.isIntegralNumber() || v.asDouble() == Math.rint(v.asDouble()));
            case FLOAT -> v.isNumber();
            case STRING -> v.isTextual();
            case OBJECT -> true;
        };
    }
}
