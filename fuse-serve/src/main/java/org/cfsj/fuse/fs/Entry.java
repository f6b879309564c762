package org.cfsj.fuse.fs;

/** A name resolved to a node: the node id the kernel will use for it, and its attributes. */
public record Entry(long nodeId, Attributes attributes) {}
