package org.cfsj.tree;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tree model refuses what no composefs image can hold, whoever builds the tree: names
 * the kernel's EROFS reader calls "bogus dirent namelen" (over 255 bytes) or that cfsj's
 * reader rejects (NUL, '/'), symlink targets over PATH_MAX − 1 or with a NUL, xattrs EROFS
 * cannot store (a 16-bit value length) or listxattr cannot list (XATTR_LIST_MAX). The model
 * throws {@link InvalidEntryException}; the tests ask only for its superclass
 * IllegalArgumentException, so that they also run (and fail) against a model without limits.
 */
class TreeLimitsTest {
    private static final Metadata META = new Metadata(0644, 0, 0, 0, 0, 1, List.of());

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    @Test
    void directoryRefusesNamesNoImageCanHold() {
        Directory d = new Directory(META);
        for (byte[] bad : List.of(bytes(256, 'n'), bytes(5000, 'n'), Bytes.of("a\u0000b"), Bytes.of("a/b"),
                Bytes.of("."), Bytes.of(".."), new byte[0])) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.add(bad, new Fifo(META)));
            assertFalse(e.getMessage().contains("\n") || e.getMessage().indexOf('\0') >= 0, e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.put(bad, new Fifo(META)));
            assertThrows(IllegalArgumentException.class, () -> d.addHardlink(bad, new Fifo(META)));
        }
        assertTrue(d.entries().isEmpty());
        assertDoesNotThrow(() -> d.add(bytes(255, 'n'), new Fifo(META)));
        assertDoesNotThrow(() -> d.add(Bytes.of("..."), new Fifo(META)));
    }

    @Test
    void longNamesAreShownShortInMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Directory(META).add(bytes(5000, 'n'), new Fifo(META)));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertTrue(e.getMessage().contains("5000"), e.getMessage());
    }

    @Test
    void symlinkRefusesTargetsNoImageCanHold() {
        assertThrows(IllegalArgumentException.class, () -> new Symlink(META, bytes(4096, 't')));
        assertThrows(IllegalArgumentException.class, () -> new Symlink(META, bytes(5001, 't')));
        assertThrows(IllegalArgumentException.class, () -> new Symlink(META, Bytes.of("a\u0000b")));
        assertThrows(IllegalArgumentException.class, () -> new Symlink(META, new byte[0]));
        assertDoesNotThrow(() -> new Symlink(META, bytes(4095, 't')));
    }

    @Test
    void metadataRefusesXattrsNoImageCanHold() {
        assertThrows(IllegalArgumentException.class, () -> META.withXattrs(List.of(new Xattr(bytes(256, 'x'), new byte[0]))));
        assertThrows(IllegalArgumentException.class, () -> META.withXattrs(List.of(Xattr.of("user.a\u0000b", new byte[0]))));
        assertThrows(IllegalArgumentException.class, () -> META.withXattrs(List.of(Xattr.of("", new byte[1]))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> META.withXattrs(List.of(Xattr.of("user.big", new byte[65536]))));
        assertTrue(e.getMessage().contains("user.big") && e.getMessage().contains("65535"), e.getMessage());
        assertDoesNotThrow(() -> META.withXattrs(List.of(Xattr.of("user.big", new byte[65535]))));
        assertThrows(IllegalArgumentException.class,
                () -> META.withXattrs(List.of(Xattr.of("user.a", new byte[1]), Xattr.of("user.a", new byte[2]))));
    }

    @Test
    void xattrNamesMustFitOneListxattrBuffer() {
        List<Xattr> many = new ArrayList<>();
        for (int i = 0; many.stream().mapToInt(x -> x.nameView().length + 1).sum() <= 65536; i++) {
            many.add(Xattr.of("user." + "n".repeat(200) + i, new byte[0]));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> META.withXattrs(many));
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
        assertDoesNotThrow(() -> META.withXattrs(many.subList(0, many.size() - 1)));
    }

    @Test
    void xattrsOfOneEntryAreBoundedInTotal() {
        List<Xattr> big = List.of(Xattr.of("user.a", new byte[65535]), Xattr.of("user.b", new byte[65000]),
                Xattr.of("user.c", new byte[1000]));
        assertThrows(IllegalArgumentException.class, () -> META.withXattrs(big));
        assertDoesNotThrow(() -> META.withXattrs(big.subList(0, 2)));
    }
}
