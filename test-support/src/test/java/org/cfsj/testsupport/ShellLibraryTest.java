package org.cfsj.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/lib.sh, which the repository's shell scripts source: its median and find_java. */
class ShellLibraryTest {
    private static String lib() {
        return Path.of(System.getProperty("cfsj.root.dir"), "scripts", "lib.sh").toString();
    }

    private static String median(String numbers) throws Exception {
        return Command.of("bash", "-c", ". \"$0\" && echo \"$1\" | median", lib(), numbers).check().strip();
    }

    @Test
    void medianOfAnOddCountIsTheMiddleValue() throws Exception {
        assertEquals("2", median("3 1 2"));
        assertEquals("0.596", median("0.596 0.391 0.763"));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() throws Exception {
        assertEquals("2.5", median("4 1 3 2"));
        assertEquals("150", median("100 200"));
        assertEquals("1000001.5", median("1000002 1000001"));
    }

    @Test
    void findJavaFindsAJdkOfAtLeast25() throws Exception {
        String java = Command.of("bash", "-c", ". \"$0\" && java_major \"$(find_java)\"", lib()).check().strip();
        assertEquals(true, Integer.parseInt(java) >= 25, java);
    }

    /** A directory that looks like a JDK of {@code version} to find_java (its release file and an executable bin/java). */
    private static Path fakeJdk(Path parent, String name, int version) throws Exception {
        Path home = Files.createDirectories(parent.resolve(name).resolve("bin"));
        Path java = Files.writeString(home.resolve("java"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.getParent().resolve("release"), "JAVA_VERSION=\"" + version + ".0.1\"\n");
        return java;
    }

    /** A PATH directory with the tools lib.sh uses and no java. */
    private static Path toolsWithoutJava(Path parent) throws Exception {
        Path bin = Files.createDirectory(parent.resolve("bin"));
        for (String tool : new String[] {"sed", "sort", "readlink", "dirname", "head", "cat"}) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool));
        }
        return bin;
    }

    @Test
    void findJavaLooksUnderOptForAnUnpackedJdk(@TempDir Path tmp) throws Exception {
        Path opt = Files.createDirectory(tmp.resolve("opt"));
        fakeJdk(opt, "jdk-17", 17);
        Path java25 = fakeJdk(opt, "jdk-25.0.1", 25);
        String found = Command.of("bash", "-c", ". \"$0\" && PATH=\"$1\" find_java", lib(), toolsWithoutJava(tmp).toString())
                .env("JAVA_HOME", "").env("CFSJ_JVM_DIRS", tmp.resolve("empty") + ":" + opt).check().strip();
        assertEquals(java25.toString(), found);
    }

    @Test
    void withoutAJdk25RequireJavaSaysWhatItFoundAndHowToGetOne(@TempDir Path tmp) throws Exception {
        Path jvm = Files.createDirectory(tmp.resolve("jvm"));
        Path old = fakeJdk(jvm, "java-17", 17);
        Result r = Command.of("bash", "-c", ". \"$1\" && PATH=\"$2\" && require_java", "cfsj", lib(),
                        toolsWithoutJava(tmp).toString())
                .env("JAVA_HOME", "").env("CFSJ_JVM_DIRS", jvm.toString()).run();
        assertEquals(127, r.exit(), r.err());
        assertTrue(r.err().startsWith("cfsj: no JDK 25 or newer found"), r.err());
        assertTrue(r.err().contains(old + " (Java 17)"), "names what it found: " + r.err());
        assertTrue(r.err().contains("Debian 12") && r.err().contains("temurin-25-jdk"), r.err());
        assertTrue(r.err().contains("openjdk-25-jdk-headless"), r.err());
    }

    @Test
    void surefireSkipsListsEachSkippedTestWithItsReasonFromThisRunsReports(@TempDir Path tmp) throws Exception {
        Path reports = Files.createDirectories(tmp.resolve("mod/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-org.x.Old.xml"), """
                  <testcase name="stale" classname="org.x.Old" time="0"><skipped message="from an earlier run"/></testcase>
                """);
        Path stamp = Files.createFile(tmp.resolve("stamp"));
        Files.setLastModifiedTime(reports.resolve("TEST-org.x.Old.xml"), java.nio.file.attribute.FileTime.fromMillis(0));
        Files.setLastModifiedTime(stamp, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        Files.writeString(reports.resolve("TEST-org.x.ATest.xml"), """
                  <testcase name="ran" classname="org.x.ATest" time="0.1"/>
                  <testcase name="needsRoot" classname="org.x.ATest" time="0.0">
                    <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: SKIPPED: needs root &amp; FUSE
                	at org.junit.jupiter.api.Assumptions.throwAssumptionFailed(Assumptions.java:340)
                ]]></skipped>
                  </testcase>
                  <testcase name="disabled" classname="org.x.ATest" time="0.0">
                    <skipped message="it&apos;s &lt;off&gt;"/>
                  </testcase>
                """);
        String out = Command.of("bash", "-c", ". \"$0\" && surefire_skips \"$1\" \"$2\"", lib(), tmp.toString(), stamp.toString())
                .check();
        assertEquals("  ATest.disabled: it's <off>\n  ATest.needsRoot: SKIPPED: needs root & FUSE\n", out);
    }

    @Test
    void dieSaysWhoAndExitsWithTheStatus() throws Exception {
        Result r = Command.of("bash", "-c", ". \"$1\" && die --status 7 went wrong", "script.sh", lib()).run();
        assertEquals(7, r.exit());
        assertEquals("script.sh: went wrong\n", r.err());
    }
}
