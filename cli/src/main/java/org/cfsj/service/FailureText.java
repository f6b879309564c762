package org.cfsj.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/**
 * A failure as one line for a person: the message the module wrote for it, or what the JDK's
 * file exceptions mean. Used for the CLI's error lines and the service's {@code InternalError}
 * messages alike, so both say the same about one failure (and neither shows a stack trace).
 */
public final class FailureText {
    private FailureText() {}

    public static String of(Throwable ex) {
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        return switch (ex) {
            case NoSuchFileException e -> e.getFile() + ": no such file or directory";
            case AccessDeniedException e -> e.getFile() + ": permission denied";
            case FileAlreadyExistsException e -> e.getFile() + ": already exists";
            case IOException e when e.getMessage() != null -> e.getMessage();
            default -> ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        };
    }
}
