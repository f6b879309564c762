package org.cfsj.it.mutate;

import static org.cfsj.it.mutate.TarBuilder.b;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The valid layers the layer cases mutate, the same on every run: a base tree (the lower layer of
 * two-layer images), a PAX layer (global header, long names and link targets, xattrs, fractional
 * and large values), a GNU layer (long names as {@code ././@LongLink}), a ustar layer (names in the
 * prefix field) and a whiteout layer (file, directory and opaque whiteouts over the base tree).
 */
final class LayerBases {
    record Base(String name, List<TarBuilder.Member> members, boolean onBaseTree) {}

    final List<Base> bases = new ArrayList<>();
    /** The unmutated lower layer. */
    final byte[] baseTree;

    LayerBases() {
        Random r = new Random(7);
        TarBuilder tree = new TarBuilder();
        tree.dir("etc").dir("usr").dir("usr/bin").dir("run").dir("var").dir("var/lib").dir("dev").dir("opt");
        tree.file("etc/hostname", b("box\n"));
        tree.file("etc/passwd", b("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"));
        tree.file("usr/bin/tool", 04755, random(r, 3000), Map.of());
        tree.file("usr/bin/big", 0755, random(r, 70_000), Map.of());
        tree.file("usr/bin/empty", new byte[0]);
        tree.symlink("usr/bin/link", "tool");
        tree.symlink("usr/lib64", "/usr/lib");
        tree.hardlink("usr/bin/hard", "usr/bin/tool");
        tree.charDevice("dev/null", 1, 3);
        tree.fifo("run/fifo");
        tree.file("run/pid", b("1\n"));
        tree.dir("var/lib/opaque").file("var/lib/opaque/a", random(r, 100)).file("var/lib/opaque/b", b("b"));
        StringBuilder deep = new StringBuilder("opt");
        for (int i = 0; i < 12; i++) {
            deep.append("/d").append(i);
            tree.dir(deep.toString());
        }
        tree.file(deep + "/bottom", random(r, 200));
        tree.dir("var/many");
        for (int i = 0; i < 150; i++) {
            tree.file("var/many/f" + i, random(r, i % 3 == 0 ? 0 : i));
        }
        bases.add(new Base("tree", tree.members(), false));
        baseTree = TarBuilder.concat(tree.members());

        TarBuilder pax = new TarBuilder();
        pax.global(Map.of("comment", b("made by the mutation run"), "mtime", b("1700000000.5")));
        pax.dir("p").dir("p/" + "n".repeat(120)).dir("p/" + "n".repeat(120) + "/" + "m".repeat(200));
        pax.file("p/" + "n".repeat(120) + "/" + "m".repeat(200) + "/" + "f".repeat(255), random(r, 500));
        pax.file("p/x", 0640, random(r, 2000), Map.of("SCHILY.xattr.user.a", b("value a"),
                "SCHILY.xattr.security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                "SCHILY.xattr.trusted.overlay.opaque", b("y"),
                "mtime", b("1700000001.123456789"), "uid", b("70000"), "gid", b("70001")));
        pax.file("p/y", 0644, b("small"), Map.of("SCHILY.xattr.user.big", random(r, 3000), "atime", b("1.5"),
                "uname", b("someone"), "size", b("5")));
        pax.symlink("p/longlink", "t/".repeat(150));
        pax.hardlink("p/" + "h".repeat(150), "p/x");
        bases.add(new Base("pax", pax.members(), true));

        TarBuilder gnu = new TarBuilder().longNames(TarBuilder.LongNames.GNU);
        gnu.dir("g").dir("g/" + "l".repeat(150));
        gnu.file("g/" + "l".repeat(150) + "/" + "f".repeat(120), random(r, 1000));
        gnu.symlink("g/" + "s".repeat(110), "x/".repeat(80));
        gnu.hardlink("g/" + "k".repeat(130), "g/" + "l".repeat(150) + "/" + "f".repeat(120));
        bases.add(new Base("gnu", gnu.members(), true));

        TarBuilder ustar = new TarBuilder().longNames(TarBuilder.LongNames.USTAR);
        ustar.dir("u").dir("u/" + "a".repeat(90)).dir("u/" + "a".repeat(90) + "/" + "b".repeat(60));
        ustar.file("u/" + "a".repeat(90) + "/" + "b".repeat(60) + "/" + "c".repeat(99), random(r, 700));
        bases.add(new Base("ustar-prefix", ustar.members(), true));

        TarBuilder wh = new TarBuilder();
        wh.dir("etc").file("etc/.wh.hostname", new byte[0]).dir("var").dir("var/lib").dir("var/lib/opaque");
        wh.file("var/lib/opaque/.wh..wh..opq", new byte[0]).file("var/lib/opaque/c", b("c"));
        wh.file(".wh.run", new byte[0]).dir("usr").dir("usr/bin").file("usr/bin/.wh.link", new byte[0]);
        wh.file("usr/bin/tool", 0755, random(r, 4000), Map.of());
        bases.add(new Base("whiteouts", wh.members(), true));
    }

    static byte[] random(Random r, int size) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        return b;
    }
}
