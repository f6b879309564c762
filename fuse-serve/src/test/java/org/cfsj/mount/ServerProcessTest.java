package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The detached server's command line: what {@link ServerProcess#arguments} writes,
 * {@link ServerProcess#parse} reads back unchanged, except that the server is always quiet.
 */
class ServerProcessTest {
    private static final Path IMAGE = Path.of("/srv/img.cfs");
    private static final Path OBJECTS = Path.of("/srv/objects");
    private static final Path MNT = Path.of("/mnt/a b");

    private static MountOptions roundTrip(MountOptions o) {
        List<String> args = ServerProcess.arguments(IMAGE, OBJECTS, MNT, o);
        ServerProcess.Request r = ServerProcess.parse(args.toArray(String[]::new));
        assertEquals(IMAGE, r.image());
        assertEquals(OBJECTS, r.objects());
        assertEquals(MNT, r.mountpoint());
        return r.options();
    }

    @Test
    void everyServerOptionSurvivesTheCommandLine() {
        MountOptions all = MountOptions.builder().allowSuidDev(true).insecure(true).passthrough(true).threads(7)
                .digestLedger(Path.of("/srv/ledger")).statsOnExit(true).quiet(true)
                .transport(org.cfsj.fuse.TransportChoice.URING).metadataTimeout(java.time.Duration.ZERO).build();
        assertEquals(all, roundTrip(all));
        MountOptions none = MountOptions.builder().threads(3).quiet(true).transport(org.cfsj.fuse.TransportChoice.DEV).build();
        assertEquals(none, roundTrip(none));
    }

    @Test
    void theServerIsAlwaysQuiet() {
        assertEquals(true, roundTrip(MountOptions.builder().build()).quiet());
    }

    @Test
    void theRoleAndTheMountPointStandAloneSoPsShowsThem() {
        List<String> args = ServerProcess.arguments(IMAGE, OBJECTS, MNT, MountOptions.builder().build());
        assertEquals(List.of("fuse-serve", IMAGE.toString(), MNT.toString(), "--basedir", OBJECTS.toString()), args.subList(0, 5));
    }

    @Test
    void anythingElseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServerProcess.parse(new String[] {"fuse-serve", "x"}));
        assertThrows(IllegalArgumentException.class, () -> ServerProcess.parse(
                new String[] {"fuse-serve", "i", "m", "--basedir", "o", "--bogus"}));
    }
}
