package org.cfsj.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import org.cfsj.repo.maintenance.Fsck;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's top directory: the caller's, mode 0700, whatever the umask or an older cfsj left. */
class RepoAccessTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void initMakesANewTopDirectoryPrivate() throws IOException {
        // The build's umask (022 on these machines) would give 0755 to a plain mkdir.
        Repository repo = Repository.init(tmp.resolve("parent/r"));
        assertEquals("rwx------", mode(repo.root()));
        assertTrue(repo.access().isPrivate());
        assertTrue(repo.access().ownedByCaller());
        assertNull(repo.access().looseMode());
    }

    @Test
    void initMakesAnExistingEmptyDirectoryPrivate() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("r"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Repository.init(dir);
        assertEquals("rwx------", mode(dir));
    }

    @Test
    void anExistingLooseRepositoryStillOpensAndSaysSoButKeepsItsMode() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        Files.setPosixFilePermissions(repo.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Repository reopened = Repository.open(repo.root());
        assertEquals("rwxr-xr-x", mode(repo.root()), "opening does not change the mode");
        String loose = reopened.access().looseMode();
        assertTrue(loose != null && loose.contains("mode 0755") && loose.contains("fsck --repair"), loose);
        // init on the existing repository reports, and does not change it either
        assertEquals(List.of(loose), Repository.init(repo.root()).access().problems());
        assertEquals("rwxr-xr-x", mode(repo.root()));
    }

    @Test
    void aRepositoryOfAnotherUserIsRefused() throws IOException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to chown to nobody");
        Repository repo = Repository.init(tmp.resolve("r"));
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(repo.root(), users.lookupPrincipalByName("nobody"));
        var open = assertThrows(RepositoryException.class, () -> Repository.open(repo.root()));
        assertTrue(open.getMessage().contains("belongs to uid 65534, not to you (uid 0)"), open.getMessage());
        var init = assertThrows(RepositoryException.class, () -> Repository.init(repo.root()));
        assertEquals(open.getMessage(), init.getMessage());
        // an empty directory another user made is not taken over either
        Path planted = Files.createDirectory(tmp.resolve("planted"));
        Files.setOwner(planted, users.lookupPrincipalByName("nobody"));
        var take = assertThrows(RepositoryException.class, () -> Repository.init(planted));
        assertTrue(take.getMessage().contains("belongs to uid 65534"), take.getMessage());
        assertFalse(Files.exists(planted.resolve("meta.json")));
    }

    @Test
    void fsckReportsALooseModeAndRepairSetsOnlyThat() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        Files.setPosixFilePermissions(repo.root(), PosixFilePermissions.fromString("rwxr-x--x"));
        Fsck.Report r = Fsck.run(repo, 1);
        assertFalse(r.clean());
        assertEquals(1, r.accessProblems());
        assertTrue(r.problems().get(0).contains("mode 0751"), r.problems().toString());
        assertEquals("rwxr-x--x", mode(repo.root()), "fsck without --repair changes nothing");

        Fsck.Report repaired = Fsck.run(repo, 1, true);
        assertTrue(repaired.clean(), repaired.problems().toString());
        assertEquals(1, repaired.repaired().size());
        assertTrue(repaired.repaired().get(0).contains("from 0751 to 0700"), repaired.repaired().toString());
        assertEquals("rwx------", mode(repo.root()));
        assertEquals(List.of(), Fsck.run(repo, 1, true).repaired(), "nothing left to repair");
    }
}
