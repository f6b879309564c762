package org.cfsj.oci.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User resolution against an image's own /etc/passwd and /etc/group, written to a real directory. */
class ProcessUserTest {
    @TempDir
    Path rootfs;

    UserDatabase db;

    @BeforeEach
    void writeUserFiles() throws Exception {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/sh
                # a comment
                broken line
                daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
                app:x:1000:1001:The App,,,:/home/app:/bin/sh
                big:x:4294967294:4294967294::/:/bin/sh
                toobig:x:4294967296:0::/:/bin/sh
                """);
        Files.writeString(rootfs.resolve("etc/group"), """
                root:x:0:
                daemon:x:1:app
                appgrp:x:1001:
                audio:x:29:app,other
                wheel:x:10: root , app
                nogid:x:abc:app
                """);
        db = UserDatabase.read(rootfs);
    }

    @Test
    void emptyUserIsRootWithRootsGroups() throws Exception {
        ProcessUser u = ProcessUser.resolve("", db);
        assertEquals(0, u.uid());
        assertEquals(0, u.gid());
        assertEquals(List.of(10L), u.additionalGids());
        assertEquals(Optional.of("/root"), u.home());
    }

    @Test
    void nameTakesUidPrimaryGroupAndMembershipsFromTheImage() throws Exception {
        ProcessUser u = ProcessUser.resolve("app", db);
        assertEquals(1000, u.uid());
        assertEquals(1001, u.gid());
        assertEquals(List.of(1L, 29L, 10L), u.additionalGids());
        assertEquals(Optional.of("/home/app"), u.home());
        assertEquals(u, ProcessUser.resolve("1000", db), "a uid listed in passwd resolves as its name does");
    }

    @Test
    void explicitGroupMeansOnlyThatGroup() throws Exception {
        assertEquals(new ProcessUser(1000, 29, List.of(), Optional.of("/home/app")), ProcessUser.resolve("app:audio", db));
        assertEquals(new ProcessUser(1000, 7, List.of(), Optional.of("/home/app")), ProcessUser.resolve("app:7", db));
        assertEquals(new ProcessUser(0, 1001, List.of(), Optional.of("/root")), ProcessUser.resolve(":appgrp", db));
    }

    @Test
    void numericIdsNeedNoEntries() throws Exception {
        assertEquals(new ProcessUser(4242, 0, List.of(), Optional.empty()), ProcessUser.resolve("4242", db));
        assertEquals(new ProcessUser(4242, 4343, List.of(), Optional.empty()), ProcessUser.resolve("4242:4343", db));
        assertEquals(4294967294L, ProcessUser.resolve("big", db).uid());
    }

    @Test
    void unknownNamesAndBadIdsAreClearErrors() {
        assertTrue(assertThrows(BundleException.class, () -> ProcessUser.resolve("nobody", db)).getMessage()
                .contains("user 'nobody', which is not in the image's /etc/passwd"));
        assertTrue(assertThrows(BundleException.class, () -> ProcessUser.resolve("app:nogroup", db)).getMessage()
                .contains("group 'nogroup', which is not in the image's /etc/group"));
        assertTrue(assertThrows(BundleException.class, () -> ProcessUser.resolve("4294967296", db)).getMessage()
                .contains("out of range"));
        assertTrue(assertThrows(BundleException.class, () -> ProcessUser.resolve("toobig", db)).getMessage()
                .contains("not in the image's /etc/passwd"), "a line with an invalid uid is skipped");
    }

    @Test
    void anImageWithoutUserFilesKnowsOnlyNumbers() throws Exception {
        Path scratch = Files.createDirectories(rootfs.resolve("scratch"));
        UserDatabase none = UserDatabase.read(scratch);
        assertEquals(new ProcessUser(0, 0, List.of(), Optional.empty()), ProcessUser.resolve("", none));
        assertThrows(BundleException.class, () -> ProcessUser.resolve("root", none));
    }

    @Test
    void userFilesAreReadInsideTheRootEvenThroughAbsoluteSymlinks() throws Exception {
        Path other = Files.createDirectories(rootfs.resolve("other"));
        Files.createDirectories(other.resolve("etc"));
        Files.createDirectories(other.resolve("data"));
        Files.writeString(other.resolve("data/passwd"), "linked:x:77:77::/l:/bin/sh\n");
        // /etc/passwd -> /data/passwd must mean other/data/passwd, never the host's /data/passwd
        Files.createSymbolicLink(other.resolve("etc/passwd"), Path.of("/data/passwd"));
        // /etc/group -> ../../../../etc/group cannot climb out of the root either
        Files.createSymbolicLink(other.resolve("etc/group"), Path.of("../../../../../../etc/group"));
        UserDatabase linked = UserDatabase.read(other);
        assertEquals(77, ProcessUser.resolve("linked", linked).uid());
        assertTrue(linked.groups().isEmpty(), "the symlink resolves to <root>/etc/group, which is the link itself: a loop");
    }
}
