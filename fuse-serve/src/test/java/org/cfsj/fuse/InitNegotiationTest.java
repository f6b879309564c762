package org.cfsj.fuse;

import static org.cfsj.fuse.kernel.Kernel.*;
import static org.junit.jupiter.api.Assertions.*;

import org.cfsj.fuse.kernel.InitIn;
import org.junit.jupiter.api.Test;

class InitNegotiationTest {
    private static final long ALL = 0xFFFF_FFFFL;

    @Test
    void modernKernelGetsEverythingWantedAndPassthroughWhenAsked() {
        InitIn in = new InitIn(7, 45, 131072, (int) ALL, (int) ((PASSTHROUGH | NO_EXPORT_SUPPORT) >>> 32));
        InitNegotiation.Result r = InitNegotiation.negotiate(in, InitIn.SIZE, true);
        assertEquals(45, r.minor());
        assertTrue(r.has(ASYNC_READ) && r.has(PARALLEL_DIROPS) && r.has(DO_READDIRPLUS) && r.has(READDIRPLUS_AUTO));
        assertTrue(r.has(MAX_PAGES) && r.has(CACHE_SYMLINKS) && r.has(EXPORT_SUPPORT) && r.has(INIT_EXT));
        assertTrue(r.has(PASSTHROUGH));
        assertFalse(r.has(WRITEBACK_CACHE), "passthrough is incompatible with writeback caching");
        assertFalse(r.has(NO_EXPORT_SUPPORT));
        assertEquals(1, r.reply().maxStackDepth());
        assertEquals((int) (PASSTHROUGH >>> 32), r.reply().flags2());
        assertEquals(256, r.reply().maxPages());
        assertEquals(1 << 20, r.reply().maxWrite());
        assertEquals(131072, r.reply().maxReadahead());
        assertEquals(7, r.reply().major());
    }

    @Test
    void noPassthroughUnlessAsked() {
        InitIn in = new InitIn(7, 45, 0, (int) ALL, (int) (PASSTHROUGH >>> 32));
        InitNegotiation.Result r = InitNegotiation.negotiate(in, InitIn.SIZE, false);
        assertFalse(r.has(PASSTHROUGH));
        assertEquals(0, r.reply().maxStackDepth());
    }

    @Test
    void oldKernelSendsShortInitAndGetsNoExtendedFlags() {
        // 7.31 (Linux 5.4): 16-byte fuse_init_in, no INIT_EXT
        InitIn in = new InitIn(7, 31, 65536, (int) (ASYNC_READ | DO_READDIRPLUS | MAX_PAGES), 0);
        InitNegotiation.Result r = InitNegotiation.negotiate(in, 16, true);
        assertEquals(31, r.minor());
        assertTrue(r.has(ASYNC_READ) && r.has(MAX_PAGES));
        assertFalse(r.has(PASSTHROUGH));
        assertFalse(r.has(CACHE_SYMLINKS), "only what the kernel offered");
        assertEquals(0, r.reply().flags2());
    }

    @Test
    void tooOldOrOtherMajorIsRefusedOrAnsweredWithOurVersion() {
        InitNegotiation.Result old = InitNegotiation.negotiate(new InitIn(7, 26, 0, 0, 0), 16, false);
        assertNull(old.reply());
        assertTrue(old.problem().contains("7.26"), old.problem());
        InitNegotiation.Result newer = InitNegotiation.negotiate(new InitIn(8, 0, 0, 0, 0), 16, false);
        assertEquals(7, newer.reply().major());
        assertEquals(0, newer.granted());
    }
}
