package org.cfsj.varlink;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * JSON of varlink messages, parsed with limits: nesting depth and string and number lengths are
 * capped by {@link VarlinkLimits}, duplicate keys are refused (two values for {@code method}
 * would leave the meaning to the parser), and trailing content after the one value is refused.
 */
final class Json {
    private final ObjectMapper mapper;

    Json(VarlinkLimits limits) {
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxNestingDepth())
                .maxStringLength(limits.maxMessageBytes())
                .maxNumberLength(64)
                .maxDocumentLength(limits.maxMessageBytes())
                .build();
        JsonMapper m = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        m.getFactory().setStreamReadConstraints(constraints);
        m.getFactory().configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false);
        this.mapper = m;
    }

    /** The value in {@code bytes}, or empty when they are not one well-formed JSON value within the limits. */
    Optional<JsonNode> parse(byte[] bytes) {
        try {
            JsonNode n = mapper.readTree(bytes);
            return Optional.ofNullable(n).filter(x -> !x.isMissingNode());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    ObjectMapper mapper() {
        return mapper;
    }
}
