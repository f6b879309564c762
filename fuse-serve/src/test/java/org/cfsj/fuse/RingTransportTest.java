package org.cfsj.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the io_uring transport sizes itself: the kernel's queues and which worker serves which. */
class RingTransportTest {
    @Test
    void queuesAreThePossibleCpus() {
        assertEquals(1, RingTransport.queues("0\n"));
        assertEquals(2, RingTransport.queues("0-1\n"));
        assertEquals(6, RingTransport.queues("0,2-5"));
        assertThrows(IllegalArgumentException.class, () -> RingTransport.queues("0-99999"));
        assertThrows(NumberFormatException.class, () -> RingTransport.queues("x"));
    }

    @Test
    void everyQueueIsServedAndEveryWorkerServes() {
        for (int threads : new int[] {1, 2, 3, 8, 64}) {
            for (int queues : new int[] {1, 2, 7, 64, 256}) {
                List<List<Integer>> a = RingTransport.assignment(threads, queues);
                assertEquals(threads, a.size());
                Set<Integer> served = new HashSet<>();
                int entries = 0;
                for (List<Integer> mine : a) {
                    assertTrue(!mine.isEmpty(), threads + " x " + queues + ": a worker without entries");
                    assertEquals(mine.size(), new HashSet<>(mine).size(), "one entry per queue and worker");
                    served.addAll(mine);
                    entries += mine.size();
                }
                assertEquals(queues, served.size(), threads + " x " + queues + ": a queue without entries");
                if ((long) threads * queues <= RingTransport.MAX_ENTRIES) {
                    assertEquals(threads * queues, entries, "small: every worker on every queue");
                } else {
                    assertEquals(Math.max(threads, queues), entries, "large: the queues dealt out");
                }
            }
        }
    }
}
