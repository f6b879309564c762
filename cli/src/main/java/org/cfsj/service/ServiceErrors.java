package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cfsj.varlink.VarlinkError;

/**
 * The errors of {@code org.composefs.Repository} and {@code org.composefs.Oci}, built with the
 * parameters their IDL declares. Both interfaces declare {@code RepoNotFound},
 * {@code InvalidHandle} and {@code InternalError}, so those take the interface as an argument:
 * the error a client gets is named after the interface it called.
 */
final class ServiceErrors {
    private ServiceErrors() {}

    static VarlinkError error(String iface, String name, String field, String value) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put(field, value);
        return new VarlinkError(iface + "." + name, p);
    }

    static VarlinkError repoNotFound(String iface, Throwable cause) {
        return error(iface, "RepoNotFound", "message", oneLine(cause));
    }

    static VarlinkError invalidHandle(String iface, long handle) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("handle", handle);
        return new VarlinkError(iface + ".InvalidHandle", p);
    }

    static VarlinkError internal(String iface, Throwable cause) {
        return error(iface, "InternalError", "message", oneLine(cause));
    }

    static VarlinkError internal(String iface, String message) {
        return error(iface, "InternalError", "message", message);
    }

    static VarlinkError invalidSpec(String message) {
        return error(RepositoryIdl.NAME, "InvalidSpec", "message", message);
    }

    static VarlinkError noSuchRef(String reference) {
        return error(RepositoryIdl.NAME, "NoSuchRef", "reference", reference);
    }

    static VarlinkError noSuchImage(String image) {
        return error(OciIdl.NAME, "NoSuchImage", "image", image);
    }

    static VarlinkError invalidDigest(String message) {
        return error(OciIdl.NAME, "InvalidDigest", "message", message);
    }

    static VarlinkError invalidRequest(String message) {
        return error(OciIdl.NAME, "InvalidRequest", "message", message);
    }

    /** {@link FailureText} of {@code cause}, on one line. */
    static String oneLine(Throwable cause) {
        return FailureText.of(cause).replace('\n', ' ');
    }
}
