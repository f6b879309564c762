package org.cfsj.sys;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Native code is reached only through {@code org.cfsj.sys}: no main source file of any module
 * outside that package may name {@code Linker} or {@code SymbolLookup}, or widen a native segment
 * with {@code reinterpret} (the Java counterpart of Rust's {@code forbid(unsafe_code)} outside one
 * crate). Everything that can crash the JVM or misread memory is then in one package, reviewed
 * as one, with its constants checked by {@link SysConstantsTest}.
 */
class NativeConfinementTest {
    private static final Pattern FORBIDDEN = Pattern.compile("\\bLinker\\b|\\bSymbolLookup\\b|\\.reinterpret\\(");
    private static final String SYS_PACKAGE = "/src/main/java/org/cfsj/sys/";

    @Test
    void noNativeAccessOutsideTheSysPackage() throws IOException {
        Path root = repositoryRoot();
        List<String> offenders = new ArrayList<>();
        int sysFilesWithLinker = 0;
        int scanned = 0;
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        scanned++;
                        List<String> lines = Files.readAllLines(file);
                        boolean inSys = file.toString().replace('\\', '/').contains(SYS_PACKAGE);
                        for (int i = 0; i < lines.size(); i++) {
                            if (FORBIDDEN.matcher(lines.get(i)).find()) {
                                if (inSys) {
                                    sysFilesWithLinker++;
                                    break;
                                }
                                offenders.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                            }
                        }
                    }
                }
            }
        }
        // guards against scanning the wrong directory and passing on nothing
        assertTrue(scanned > 100 && sysFilesWithLinker > 0,
                "scanned " + scanned + " main sources under " + root + ", " + sysFilesWithLinker + " in org.cfsj.sys use the linker");
        assertTrue(offenders.isEmpty(), "FFM's Linker, SymbolLookup and MemorySegment.reinterpret belong in org.cfsj.sys"
                + " (erofs-reader) only; bind the call there:\n  " + String.join("\n  ", offenders));
    }

    /** The repository root: {@code cfsj.root.dir} (set by the root pom), else the module's parent. */
    private static Path repositoryRoot() {
        String dir = System.getProperty("cfsj.root.dir");
        return (dir != null ? Path.of(dir) : Path.of("").toAbsolutePath().getParent()).toAbsolutePath().normalize();
    }
}
