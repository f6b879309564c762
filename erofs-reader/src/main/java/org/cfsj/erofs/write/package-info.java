/**
 * The composefs image writer, byte-identical to C mkcomposefs: {@link
 * org.cfsj.erofs.write.ComposefsImageWriter} runs {@code ComposefsRules} (composefs's rules on a
 * copy of the tree), {@code LayoutPlan} (where every inode, xattr and block goes) and {@code
 * ImageEmitter} (the bytes, each structure encoded by its type in {@code org.cfsj.erofs}).
 */
package org.cfsj.erofs.write;
