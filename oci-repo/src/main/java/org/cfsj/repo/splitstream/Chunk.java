package org.cfsj.repo.splitstream;

import org.cfsj.repo.ObjectId;

/** One piece of a splitstream's content: bytes kept in the stream, or an object by reference. */
public sealed interface Chunk {
    /** Bytes stored in the splitstream itself. */
    record Inline(byte[] data) implements Chunk {}

    /** Content of an object in the repository, in full. */
    record External(ObjectId id) implements Chunk {}
}
