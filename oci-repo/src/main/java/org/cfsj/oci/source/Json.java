package org.cfsj.oci.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one Jackson mapper the sources share (thread-safe once configured). */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    static JsonNode parse(byte[] bytes, String what) throws ManifestException {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new ManifestException(what + ": not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ManifestException(what + ": invalid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ManifestException(what + ": unreadable JSON: " + e.getMessage());
        }
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
