package org.cfsj.service;

import java.nio.file.Path;
import java.util.List;
import org.cfsj.varlink.VarlinkInterface;

/**
 * The interfaces {@code cfsj serve} puts on its socket, {@code org.composefs.Repository} and
 * {@code org.composefs.Oci}, over one table of open repositories. {@link #close} closes every
 * repository still open (the server has stopped).
 */
public final class ComposefsService implements AutoCloseable {
    private final ServiceContext context;
    private final List<VarlinkInterface> interfaces;

    /**
     * @param policy        who may connect and which repositories they may name
     * @param ownRepository the service's own repository (what {@code system} selects)
     * @param userService   whether the service runs as a user other than root
     * @param mounter       makes the detached mounts of {@code Mount} and {@code OciMount}
     */
    public ComposefsService(AccessPolicy policy, Path ownRepository, boolean userService, ImageMounter mounter) {
        this.context = new ServiceContext(policy, ownRepository, userService, mounter);
        this.interfaces = List.of(new RepositoryInterface(context), new OciInterface(context));
    }

    public List<VarlinkInterface> interfaces() {
        return interfaces;
    }

    /** Repositories open now, on all connections. */
    public int openRepositories() {
        return context.handles().size();
    }

    @Override
    public void close() {
        context.handles().closeEverything();
    }
}
