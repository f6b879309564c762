import org.cfsj.sys.MountCalls;
import org.cfsj.sys.SysException;

/**
 * The benchmarks' mount(2), read-only, through cfsj's own {@link MountCalls} (bench/lib-mount.sh's
 * kmount). util-linux {@code mount} puts an EROFS image file on a loop device; mount(2) with the
 * file itself as the source is the file-backed mount composefs uses.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp cli/target/cfsj.jar bench/Mount.java SOURCE TARGET TYPE DATA|-
 * </pre>
 *
 * Exits 0 when mounted, 1 with the one-line error of the failed call, 2 on wrong usage.
 */
public class Mount {
    public static void main(String[] a) {
        if (a.length != 4) {
            System.err.println("usage: Mount SOURCE TARGET TYPE DATA|-");
            System.exit(2);
        }
        try {
            MountCalls.mount(a[0], a[1], a[2], MountCalls.MS_RDONLY, a[3].equals("-") ? null : a[3]);
        } catch (SysException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
