package org.cfsj.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.cfsj.sys.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DigestLedger}: what it remembers across opens, and what it refuses to believe. */
class DigestLedgerTest {
    @TempDir
    Path tmp;

    private static Stat stat(long ino, long size, long mtime, long ctime) {
        return new Stat(0100644, 0, 0, 1, ino, 8, 1, 0, 0, size, mtime, 5, ctime, 7);
    }

    private static byte[] digest(int seed) {
        byte[] d = new byte[32];
        Arrays.fill(d, (byte) seed);
        return d;
    }

    @Test
    void recordsSurviveReopeningAndTheLastOneWins() throws IOException {
        Path file = tmp.resolve("ledger");
        try (DigestLedger l = DigestLedger.open(file)) {
            l.record(stat(10, 100, 1000, 2000), digest(1));
            l.record(stat(11, 200, 1000, 2000), digest(2));
            l.record(stat(10, 100, 1000, 3000), digest(3)); // the same file, changed since
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(3L * DigestLedger.RECORD_SIZE, Files.size(file));
        try (DigestLedger l = DigestLedger.open(file)) {
            assertEquals(2, l.size());
            assertArrayEquals(digest(3), l.lookup(stat(10, 100, 1000, 3000), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(10, 100, 1000, 2000), VerityAlgorithm.SHA256_12), "the older record of inode 10 is superseded");
            assertArrayEquals(digest(2), l.lookup(stat(11, 200, 1000, 2000), VerityAlgorithm.SHA256_12));
        }
    }

    @Test
    void sha512RecordsLiveBesideSha256OnesAndAreFoundOnlyForSha512() throws IOException {
        Path file = tmp.resolve("ledger");
        byte[] sha512 = new byte[64];
        Arrays.fill(sha512, (byte) 9);
        try (DigestLedger l = DigestLedger.open(file)) {
            l.record(stat(10, 100, 1000, 2000), digest(1));
            l.record(stat(10, 100, 1000, 2000), sha512);
            l.record(stat(12, 100, 1000, 2000), digest(4));
        }
        assertEquals(2L * DigestLedger.RECORD_SIZE + DigestLedger.RECORD_SIZE_512, Files.size(file));
        try (DigestLedger l = DigestLedger.open(file)) {
            assertArrayEquals(digest(1), l.lookup(stat(10, 100, 1000, 2000), VerityAlgorithm.SHA256_12));
            assertArrayEquals(sha512, l.lookup(stat(10, 100, 1000, 2000), VerityAlgorithm.SHA512_12));
            assertNull(l.lookup(stat(12, 100, 1000, 2000), VerityAlgorithm.SHA512_12), "no sha512 record for inode 12");
            assertArrayEquals(digest(4), l.lookup(stat(12, 100, 1000, 2000), VerityAlgorithm.SHA256_12),
                    "the record after a 128-byte one is read at its place");
        }
    }

    @Test
    void anyChangeToSizeMtimeOrCtimeIsAMiss() throws IOException {
        try (DigestLedger l = DigestLedger.open(tmp.resolve("ledger"))) {
            l.record(stat(10, 100, 1000, 2000), digest(1));
            assertArrayEquals(digest(1), l.lookup(stat(10, 100, 1000, 2000), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(10, 101, 1000, 2000), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(10, 100, 1001, 2000), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(10, 100, 1000, 2001), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(12, 100, 1000, 2000), VerityAlgorithm.SHA256_12));
        }
    }

    @Test
    void tornAndDamagedRecordsAreSkipped() throws IOException {
        Path file = tmp.resolve("ledger");
        try (DigestLedger l = DigestLedger.open(file)) {
            l.record(stat(1, 1, 1, 1), digest(1));
            l.record(stat(2, 2, 2, 2), digest(2));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[DigestLedger.RECORD_SIZE + 60] ^= 1; // inside the second record's digest
        Files.write(file, bytes);
        // a record cut short by a crash, then a whole one appended after it
        Files.write(file, Arrays.copyOf(bytes, 40), StandardOpenOption.APPEND);
        try (DigestLedger l = DigestLedger.open(file)) {
            l.record(stat(3, 3, 3, 3), digest(3));
        }
        try (DigestLedger l = DigestLedger.open(file)) {
            assertArrayEquals(digest(1), l.lookup(stat(1, 1, 1, 1), VerityAlgorithm.SHA256_12));
            assertNull(l.lookup(stat(2, 2, 2, 2), VerityAlgorithm.SHA256_12), "a record whose checksum fails is not believed");
            assertArrayEquals(digest(3), l.lookup(stat(3, 3, 3, 3), VerityAlgorithm.SHA256_12), "found again after the torn record");
        }
    }

    @Test
    void aLedgerOthersCanWriteIsNotTrusted() throws IOException {
        Path file = tmp.resolve("ledger");
        DigestLedger.open(file).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        IOException e = assertThrows(IOException.class, () -> DigestLedger.open(file));
        assertTrue(e.getMessage().contains("writable by group or others"), e.getMessage());
        Path link = tmp.resolve("link");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(link, file);
        assertThrows(IOException.class, () -> DigestLedger.open(link), "a symlink is not followed");
    }
}
