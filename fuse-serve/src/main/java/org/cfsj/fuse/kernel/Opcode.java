package org.cfsj.fuse.kernel;

/** enum fuse_opcode. {@link #writes()} marks the requests that would modify the filesystem. */
public enum Opcode {
    LOOKUP(1), FORGET(2), GETATTR(3), SETATTR(4, true), READLINK(5), SYMLINK(6, true), MKNOD(8, true),
    MKDIR(9, true), UNLINK(10, true), RMDIR(11, true), RENAME(12, true), LINK(13, true), OPEN(14), READ(15),
    WRITE(16, true), STATFS(17), RELEASE(18), FSYNC(20), SETXATTR(21, true), GETXATTR(22), LISTXATTR(23),
    REMOVEXATTR(24, true), FLUSH(25), INIT(26), OPENDIR(27), READDIR(28), RELEASEDIR(29), FSYNCDIR(30),
    GETLK(31), SETLK(32), SETLKW(33), ACCESS(34), CREATE(35, true), INTERRUPT(36), BMAP(37), DESTROY(38),
    IOCTL(39), POLL(40), NOTIFY_REPLY(41), BATCH_FORGET(42), FALLOCATE(43, true), READDIRPLUS(44),
    RENAME2(45, true), LSEEK(46), COPY_FILE_RANGE(47, true), SETUPMAPPING(48), REMOVEMAPPING(49), SYNCFS(50),
    TMPFILE(51, true), STATX(52);

    private static final Opcode[] BY_CODE = new Opcode[64];

    static {
        for (Opcode o : values()) {
            BY_CODE[o.code] = o;
        }
    }

    private final int code;
    private final boolean writes;

    Opcode(int code) {
        this(code, false);
    }

    Opcode(int code, boolean writes) {
        this.code = code;
        this.writes = writes;
    }

    public int code() {
        return code;
    }

    /** True for requests that create, change or remove something: a read-only server answers EROFS. */
    public boolean writes() {
        return writes;
    }

    /** The opcode with this number, or null for numbers this protocol version does not define. */
    public static Opcode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
