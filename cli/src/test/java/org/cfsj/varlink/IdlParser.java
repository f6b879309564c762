package org.cfsj.varlink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An independent reader of varlink IDL text (grammar of varlink.org's Interface Definition page),
 * written against the grammar rather than against {@link InterfaceDescription}, so a round trip
 * through it checks what {@code GetInterfaceDescription} serves: it either returns the members
 * it found or throws {@link IllegalArgumentException} naming the offset of the first error.
 *
 * <p>Checked: the {@code interface} line and reverse-domain name; {@code type}, {@code method}
 * and {@code error} members with upper-case names, unique; field and enum names; types
 * ({@code bool int float string object}, declared type names, {@code []T}, {@code [string]T},
 * {@code ?T} but not {@code ??T}, inline structs and enums); {@code #} comments anywhere between
 * tokens.
 */
public final class IdlParser {
    /** The interface's name and its members: name to kind ({@code type}, {@code method}, {@code error}). */
    public record Parsed(String name, Map<String, String> members) {}

    private final String text;
    private int pos;
    private final Set<String> usedTypes = new HashSet<>();

    private IdlParser(String text) {
        this.text = text;
    }

    public static Parsed parse(String text) {
        return new IdlParser(text).interfaceDefinition();
    }

    private Parsed interfaceDefinition() {
        skip();
        keyword("interface");
        String name = word();
        if (!name.matches("[A-Za-z]([-]*[A-Za-z0-9])*(\\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+")) {
            fail("bad interface name " + name);
        }
        Map<String, String> members = new LinkedHashMap<>();
        skip();
        while (pos < text.length()) {
            String kind = word();
            String member = word();
            if (!member.matches("[A-Z][A-Za-z0-9]*")) {
                fail("bad member name " + member);
            }
            if (members.put(member, kind) != null) {
                fail("duplicate member " + member);
            }
            switch (kind) {
                case "type" -> {
                    if (!structOrEnum()) {
                        fail("type " + member + " needs a struct or enum");
                    }
                }
                case "method" -> {
                    struct();
                    expect("->");
                    struct();
                }
                case "error" -> struct();
                default -> fail("expected type, method or error, found " + kind);
            }
            skip();
        }
        if (members.values().stream().noneMatch("method"::equals)) {
            fail("an interface needs at least one method");
        }
        for (String t : usedTypes) {
            if (!"type".equals(members.get(t))) {
                fail("type " + t + " is used but not declared");
            }
        }
        return new Parsed(name, members);
    }

    /** A parenthesised struct or enum; true when it was either (always, or it fails). */
    private boolean structOrEnum() {
        skip();
        int start = pos;
        expect("(");
        skip();
        if (peek() == ')') {
            pos++;
            return true;
        }
        word();
        skip();
        boolean isEnum = peek() == ',' || peek() == ')';
        pos = start;
        if (isEnum) {
            enumeration();
        } else {
            struct();
        }
        return true;
    }

    private void enumeration() {
        expect("(");
        Set<String> seen = new HashSet<>();
        do {
            String v = word();
            field(v);
            if (!seen.add(v)) {
                fail("duplicate enum value " + v);
            }
            skip();
        } while (tryConsume(","));
        expect(")");
    }

    private void struct() {
        expect("(");
        skip();
        if (tryConsume(")")) {
            return;
        }
        Set<String> seen = new HashSet<>();
        do {
            String f = word();
            field(f);
            if (!seen.add(f)) {
                fail("duplicate field " + f);
            }
            expect(":");
            type();
            skip();
        } while (tryConsume(","));
        expect(")");
    }

    private void type() {
        skip();
        if (tryConsume("?")) {
            skip();
            if (peek() == '?') {
                fail("??T is not a type");
            }
        }
        skip();
        if (tryConsume("[]")) {
            type();
        } else if (tryConsume("[string]")) {
            type();
        } else if (peek() == '(') {
            structOrEnum();
        } else {
            String t = word();
            switch (t) {
                case "bool", "int", "float", "string", "object" -> {}
                default -> {
                    if (!t.matches("[A-Z][A-Za-z0-9]*")) {
                        fail("bad type " + t);
                    }
                    usedTypes.add(t);
                }
            }
        }
    }

    private void field(String name) {
        if (!name.matches("[A-Za-z](_?[A-Za-z0-9])*")) {
            fail("bad field name " + name);
        }
    }

    private void keyword(String k) {
        String w = word();
        if (!w.equals(k)) {
            fail("expected " + k + ", found " + w);
        }
    }

    /** A run of name characters after optional space and comments. */
    private String word() {
        skip();
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || "._-".indexOf(text.charAt(pos)) >= 0)) {
            pos++;
        }
        if (start == pos) {
            fail("expected a name");
        }
        return text.substring(start, pos);
    }

    private void expect(String token) {
        if (!tryConsume(token)) {
            fail("expected " + token);
        }
    }

    private boolean tryConsume(String token) {
        skip();
        if (text.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private char peek() {
        skip();
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skip() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void fail(String message) {
        throw new IllegalArgumentException("IDL offset " + pos + ": " + message);
    }

    public static List<String> memberNames(Parsed p, String kind) {
        List<String> out = new ArrayList<>();
        p.members().forEach((k, v) -> {
            if (v.equals(kind)) {
                out.add(k);
            }
        });
        return out;
    }
}
