package org.cfsj.scan;

import org.cfsj.tree.Directory;

/** A name in a directory where a node still has to be added. */
record Placement(Directory dir, byte[] name) {}
