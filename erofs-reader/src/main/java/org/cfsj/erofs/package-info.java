/**
 * The EROFS format as composefs uses it, read side: each on-disk structure is one type that
 * reads and writes itself ({@link org.cfsj.erofs.Superblock}, {@link org.cfsj.erofs.ComposefsHeader},
 * {@link org.cfsj.erofs.Inode}, {@link org.cfsj.erofs.Dirent} and {@link org.cfsj.erofs.DirentBlock},
 * {@link org.cfsj.erofs.XattrIbody}, {@link org.cfsj.erofs.XattrEntry}, with the one prefix table
 * {@link org.cfsj.erofs.XattrPrefixes}); {@link org.cfsj.erofs.ErofsImage} reads an untrusted image
 * with every offset checked; {@link org.cfsj.erofs.ImageTree} turns it into the tree model with
 * composefs's rules; {@link org.cfsj.erofs.OverlayXattrs} is composefs's use of overlayfs xattrs
 * for the writer, the reader and the FUSE filesystem. The writer is in {@code org.cfsj.erofs.write},
 * which depends on this package and never the other way round.
 */
package org.cfsj.erofs;
