package org.cfsj.oci.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an OCI image config says about the process to run (image-spec config.md, the
 * {@code config} object): Entrypoint, Cmd, Env, WorkingDir and User. Absent fields are empty.
 *
 * @param user the image's {@code User} string as written ({@code ""} = root)
 */
public record ImageProcess(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ImageProcess {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
    }

    /** Reads the process fields from the raw image config JSON. */
    public static ImageProcess fromImageConfig(byte[] configJson) throws BundleException {
        JsonNode root;
        try {
            root = JSON.readTree(configJson);
        } catch (IOException e) {
            throw new BundleException("the image config is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BundleException("the image config is not a JSON object");
        }
        JsonNode c = root.path("config");
        return new ImageProcess(strings(c, "Entrypoint"), strings(c, "Cmd"), strings(c, "Env"),
                text(c, "WorkingDir"), text(c, "User"));
    }

    /**
     * The command line: Entrypoint followed by Cmd, or by {@code override} when it is not empty
     * (as {@code docker run IMAGE CMD...} replaces Cmd and keeps Entrypoint).
     */
    public List<String> args(List<String> override) {
        List<String> out = new ArrayList<>(entrypoint);
        out.addAll(override.isEmpty() ? cmd : override);
        return out;
    }

    private static List<String> strings(JsonNode c, String field) throws BundleException {
        JsonNode v = c.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new BundleException("the image config's " + field + " is not a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) {
                throw new BundleException("the image config's " + field + " holds a non-string: " + s);
            }
            out.add(s.asText());
        }
        return out;
    }

    private static String text(JsonNode c, String field) throws BundleException {
        JsonNode v = c.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new BundleException("the image config's " + field + " is not a string");
        }
        return v.asText();
    }
}
