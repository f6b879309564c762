package org.cfsj.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.cfsj.sys.FileCalls;

/**
 * Requests read from /dev/fuse and answered with writev on the same fd: one {@link Worker} per
 * thread, the first on the session's fd, the others on clones of it (FUSE_DEV_IOC_CLONE), so
 * the kernel keeps a processing queue per fd and the workers do not share one wait queue.
 */
final class DeviceTransport implements Transport {
    private final int sessionFd;
    private final int count;
    private final List<Integer> clones = new ArrayList<>();

    DeviceTransport(int sessionFd, int count) {
        this.sessionFd = sessionFd;
        this.count = count;
    }

    @Override
    public String name() {
        return "dev";
    }

    @Override
    public void start(Session session, Function<Reply, Dispatcher> dispatchers, List<Thread> threads) throws IOException {
        List<Thread> mine = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int fd = sessionFd;
            if (i > 0) {
                fd = FuseDevice.cloneFd(sessionFd);
                clones.add(fd);
            }
            mine.add(Thread.ofPlatform().name("cfsj-fuse-" + (threads.size() + i)).daemon(true)
                    .unstarted(new Worker(session, fd, dispatchers)));
        }
        threads.addAll(mine);
        mine.forEach(Thread::start);
    }

    @Override
    public void close() {
        clones.forEach(FileCalls::close);
        clones.clear();
    }
}
