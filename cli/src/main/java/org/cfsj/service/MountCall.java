package org.cfsj.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.cfsj.repo.Repository;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.varlink.MethodCall;
import org.cfsj.varlink.VarlinkError;

/**
 * The part of {@code Mount} and {@code OciMount} after the image is resolved: reads the
 * {@code options} (cfsctl's {@code MountParams} and cfsj's extras), checks that the call carries
 * exactly the fds they need (two, upper then work, with {@code overlay}; none otherwise), has the
 * {@link ImageMounter} make the mount and answers with the mount fd and its {@code fd_index}.
 */
final class MountCall {
    private MountCall() {}

    /** How a method finds the image file a mount is made from (its own way of naming images). */
    @FunctionalInterface
    interface ImageFile {
        Path resolve() throws IOException, VarlinkError;
    }

    /**
     * @param image      the image's file, resolved only once the caller may mount at all
     * @param badRequest the interface's error for options or fds that do not fit
     * @param iface      the interface, for {@code InternalError}
     */
    static void run(MethodCall call, Params options, ImageFile image, Repository repo, ImageMounter mounter,
            Function<String, VarlinkError> badRequest, String iface) throws VarlinkError, IOException {
        checkRights(call);
        Path file = image.resolve();
        MountRequest request = request(options);
        boolean kernelVerity = repo.kernelVerity();
        if (request.backend() == MountRequest.Backend.DEFAULT) {
            // cfsctl mounts with the kernel; cfsj does where the kernel can check the objects, and
            // otherwise serves with FUSE, whose server checks every object itself
            request = request.with(kernelVerity ? MountRequest.Backend.KERNEL : MountRequest.Backend.FUSE);
        }
        if (request.backend() == MountRequest.Backend.KERNEL && !kernelVerity && !request.insecure()) {
            throw badRequest.apply("the repository's objects are not protected by kernel fs-verity, so a kernel mount"
                    + " could not notice a changed object; leave fuse out (or true) for cfsj's checking FUSE server,"
                    + " or pass insecure: true");
        }
        if (request.requireVerity() && !kernelVerity) {
            throw badRequest.apply("require_verity: the repository's objects are not protected by kernel fs-verity");
        }
        int expected = request.overlay() ? 2 : 0;
        if (call.fdCount() != expected) {
            throw badRequest.apply("Mount expects " + expected + " fds for the requested options, got " + call.fdCount());
        }
        if (request.overlay()) {
            checkLayerDirectories(call.fd(0), call.fd(1), badRequest);
        }
        if (request.passthrough() && request.backend() == MountRequest.Backend.KERNEL) {
            throw badRequest.apply("passthrough is a FUSE option; it cannot go with fuse: false");
        }
        int fd;
        try {
            ImageMounter.MountSource source = new ImageMounter.MountSource(file, repo.objects().dir(),
                    repo.objects().ledgerPath(), kernelVerity);
            fd = mounter.mount(source, request, request.overlay() ? call.fd(0) : -1,
                    request.overlay() ? call.fd(1) : -1);
        } catch (IOException e) {
            throw ServiceErrors.internal(iface, e);
        }
        int index = call.attachFd(fd);
        call.reply(JsonNodeFactory.instance.objectNode().put("fd_index", index));
    }

    /**
     * Refuses ({@code PermissionDenied}) mounts to anyone but root, before anything is looked up.
     * A detached mount is its holder's to change: in a user and mount namespace of its own, a
     * {@code --group} member can attach it and clear {@code nosuid,nodev} with
     * {@code mount_setattr} (the kernel locks those only on mounts copied into a less privileged
     * namespace), and then open an image's device nodes as host devices. And an overlay writes its
     * upper directory with the mounter's (root's) rights, wherever an upper fd of the client's
     * points.
     */
    private static void checkRights(MethodCall call) throws VarlinkError {
        if (call.connection().peer().uid() != 0) {
            throw VarlinkError.permissionDenied();
        }
    }

    /**
     * overlayfs wants the upper and work directories as directories on one filesystem; saying so
     * here names the client's mistake instead of passing on the kernel's error as an internal one.
     */
    private static void checkLayerDirectories(int upperFd, int workFd, Function<String, VarlinkError> badRequest)
            throws VarlinkError {
        Stat upper;
        Stat work;
        try {
            upper = StatCalls.fstat(upperFd, "the upper directory");
            work = StatCalls.fstat(workFd, "the work directory");
        } catch (SysException e) {
            throw badRequest.apply("the upper and work fds cannot be looked at: " + e.getMessage());
        }
        if (!upper.isDirectory() || !work.isDirectory()) {
            throw badRequest.apply("overlay needs two directory fds, upper then work; "
                    + (upper.isDirectory() ? "the work fd" : "the upper fd") + " is not a directory");
        }
        if (upper.dev() != work.dev()) {
            throw badRequest.apply("overlay needs the upper and work directories on one filesystem");
        }
    }

    static MountRequest request(Params o) {
        Boolean fuse = o.optBool("fuse");
        MountRequest.Backend backend = fuse == null ? MountRequest.Backend.DEFAULT
                : fuse ? MountRequest.Backend.FUSE : MountRequest.Backend.KERNEL;
        return new MountRequest(o.bool("overlay", false), o.bool("read_write", false), backend,
                o.bool("passthrough", false), o.bool("require_verity", false), o.bool("insecure", false),
                o.bool("allow_suid_dev", false));
    }
}
