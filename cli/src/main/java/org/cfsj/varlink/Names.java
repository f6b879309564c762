package org.cfsj.varlink;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The identifier rules of the varlink interface definition language (varlink.org): an interface
 * name is a reverse domain name of letters, digits and inner dashes (upper case is allowed:
 * {@code io.systemd.Resolve}, cfsctl's {@code org.composefs.Repository}); a method, type or error name starts with an
 * upper-case letter; a field or enum value is letters and digits with single underscores between.
 */
final class Names {
    static final Pattern INTERFACE = Pattern.compile("[A-Za-z]([-]*[A-Za-z0-9])*(\\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+");
    static final Pattern MEMBER = Pattern.compile("[A-Z][A-Za-z0-9]*");
    static final Pattern FIELD = Pattern.compile("[A-Za-z](_?[A-Za-z0-9])*");

    private Names() {}

    static void requireInterface(String name) {
        require(INTERFACE, name, "interface name");
    }

    static void requireMember(String name) {
        require(MEMBER, name, "method, type or error name");
    }

    static void requireField(String name) {
        require(FIELD, name, "field name");
    }

    static void requireDistinct(List<String> names, String what) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                throw new IllegalArgumentException("duplicate " + what + " " + n);
            }
        }
    }

    private static void require(Pattern p, String name, String what) {
        if (name == null || !p.matcher(name).matches()) {
            throw new IllegalArgumentException("not a varlink " + what + ": " + name);
        }
    }
}
