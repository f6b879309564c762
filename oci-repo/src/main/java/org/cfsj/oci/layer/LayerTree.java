package org.cfsj.oci.layer;

import java.util.Set;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;

/**
 * One layer's tree.
 *
 * @param root         the layer's root directory (its metadata: the tar's {@code ./} entry, if any)
 * @param implicitDirs directories created only because deeper entries needed a parent (identity
 *                     set): their metadata must not override a lower layer's
 */
public record LayerTree(Directory root, Set<Node> implicitDirs) {}
