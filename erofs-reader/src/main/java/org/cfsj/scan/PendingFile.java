package org.cfsj.scan;

import java.util.List;
import org.cfsj.tree.Metadata;

/**
 * A large regular file seen by the walk whose digest is not known yet. RegularFile is immutable,
 * so the node is made once the digest is computed and then added under every name (placement)
 * the walk found for this inode.
 */
record PendingFile(Metadata meta, long size, EntryPath path, List<Placement> placements) {}
