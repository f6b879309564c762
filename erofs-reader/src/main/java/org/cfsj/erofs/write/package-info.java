/**
 * The composefs image writer, byte-identical to C mkcomposefs: its input is a {@link
 * org.cfsj.erofs.write.WriterTree} (built from the {@code Directory} model, or directly by a
 * producer such as the dumpfile parser), on which {@link
 * org.cfsj.erofs.write.ComposefsImageWriter} runs {@code ComposefsRules} (composefs's rules, in
 * place), {@code LayoutPlan} (where every inode, xattr and block goes) and {@code ImageEmitter}
 * (the bytes, each structure encoded by its type in {@code org.cfsj.erofs}).
 */
package org.cfsj.erofs.write;
