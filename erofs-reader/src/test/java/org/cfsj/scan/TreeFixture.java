package org.cfsj.scan;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a directory tree with every kind of entry the scanner must handle, using ordinary
 * tools (bash, mknod, setfattr, ln) so the tree does not depend on the code under test.
 * Needs root (devices, ownership, trusted.* xattrs).
 */
final class TreeFixture {
    /** Depth and name length of the deep chain: 30 * 201 bytes is well past PATH_MAX. */
    static final int DEEP_LEVELS = 30;

    private TreeFixture() {}

    static void build(Path root) throws IOException, InterruptedException {
        Tools.bash(root, """
                mkdir -p files empty/inner dirs specials odd deep
                : > files/size0
                for n in 1 64 65 4096 1048576; do head -c $n /dev/urandom > files/size$n; done
                printf 'hello' > files/small
                cp files/size4096 files/copy4096            # same content, separate inode: one object
                # hardlinks: an external file, an inline one across directories, an empty one
                ln files/size4096 files/hard4096
                ln files/size1 dirs/hard1
                ln files/size1 empty/hard1
                ln files/size0 files/hard0
                # symlinks, including a hardlinked one and raw-byte and maximal-length targets
                ln -s size1 files/link-rel
                ln -s /etc/passwd files/link-abs
                ln -s "$(printf '\\x80\\xff\\xfe/t\\x01')" files/link-odd
                ln -s "$(head -c 4095 /dev/zero | tr '\\0' a)" files/link-long
                ln -s dangling files/link-a
                ln files/link-a files/link-b
                mkfifo specials/fifo
                mknod specials/null c 1 3
                mknod specials/loop b 7 0
                mknod specials/whiteout c 0 0
                mknod specials/bigdev c 4000 1000000
                chown 1234:5678 files/size1
                chown -h 42:43 files/link-rel
                chmod 4755 files/size65
                chmod 2750 files/size64
                chmod 1777 dirs
                chmod 0 files/small
                touch -d '2001-02-03 04:05:06.123456789' files/size64
                touch -h -d '1970-01-01 00:00:01.000000001 UTC' files/link-abs
                touch -d '2038-01-19 03:14:08 UTC' empty/inner
                # xattrs: several namespaces, binary values, an empty value, unsorted creation order
                setfattr -n user.zz -v 0x00ff00 files/size1
                setfattr -n user.aa -v 0x0a0d files/size1
                setfattr -n trusted.overlay.opaque -v y files/size1
                setfattr -n security.test -v 0xdeadbeef files/size1
                setfattr -n user.empty files/size0
                setfattr -n user.big -v 0x$(head -c 1500 /dev/urandom | od -An -tx1 -v | tr -d ' \\n') files/size4096
                setfattr -h -n trusted.onlink -v 0x01 files/link-rel
                setfattr -n user.dir -v 0x02 dirs
                setfattr -n trusted.dev -v 0x03 specials/null
                # names with every byte but NUL and '/', and the longest name allowed
                for b in $(seq 1 255); do
                  [ $b -eq 47 ] && continue
                  h=$(printf '%02x' $b)
                  : > "odd/$(printf "\\\\x${h}x")"
                done
                : > "odd/$(head -c 255 /dev/zero | tr '\\0' n)"
                d="odd/$(printf 'dir\\xe9\\n\\x80')"
                mkdir "$d"
                head -c 10000 /dev/urandom > "$d/big"
                # a chain of directories much deeper than PATH_MAX, with a large file at the bottom
                cd deep
                for i in $(seq 1 @LEVELS@); do n=$(printf 'd%03d%0198d' $i 0); mkdir $n; cd $n; done
                head -c 100000 /dev/urandom > bottom
                """.replace("@LEVELS@", Integer.toString(DEEP_LEVELS)));
        // a socket inode: bind a server socket, then close it (the inode stays)
        Path sock = root.resolve("specials/sock");
        try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(sock));
        }
        if (!Files.exists(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("socket inode missing: " + sock);
        }
    }
}
