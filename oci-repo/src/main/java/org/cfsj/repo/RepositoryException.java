package org.cfsj.repo;

import java.io.IOException;

/**
 * A repository operation that cannot proceed for a reason the user can act on: not a
 * repository, a newer format, a missing stream or image, corrupt content. The message is meant
 * to be shown as is.
 */
public class RepositoryException extends IOException {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
