package org.cfsj.tree;

/**
 * A tree was asked to hold something no composefs image can ({@link Limits}): a bad name,
 * symlink target or set of xattrs. Unchecked, because it means the caller skipped the check
 * that input readers make first (their messages name the entry); the message still says
 * what is wrong, in one line.
 */
public class InvalidEntryException extends IllegalArgumentException {
    public InvalidEntryException(String message) {
        super(message);
    }
}
