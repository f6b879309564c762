package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PaxTimeTest {
    @Test
    void plainTimesParseAsBigDecimalRoundsThemDown() {
        for (String t : new String[] {"0", "1700000000", "1700000000.123456789", "1700000000.000000000", "-1", "-1.5",
                "-1.0", "12.", "999999999999999999", "-0.5"}) {
            long expected = new BigDecimal(t).setScale(0, RoundingMode.FLOOR).longValueExact();
            assertEquals(expected, PaxFields.plainSeconds(t.getBytes(StandardCharsets.US_ASCII)), t);
        }
    }

    @Test
    void anythingElseTakesTheSlowPath() {
        for (String t : new String[] {"", "-", ".5", "1e3", " 12", "12 ", "+5", "1.2.3", "9999999999999999999"}) {
            assertEquals(Long.MIN_VALUE, PaxFields.plainSeconds(t.getBytes(StandardCharsets.US_ASCII)), t);
        }
    }
}
