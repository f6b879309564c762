package org.cfsj.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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

    @Test
    void dieSaysWhoAndExitsWithTheStatus() throws Exception {
        Result r = Command.of("bash", "-c", ". \"$1\" && die --status 7 went wrong", "script.sh", lib()).run();
        assertEquals(7, r.exit());
        assertEquals("script.sh: went wrong\n", r.err());
    }
}
