package org.cfsj.it.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal checker of varlink IDL text (varlink.org, "Interface Definition"), independent of
 * cfsj: an {@code interface NAME} line, then {@code type NAME (struct|enum)},
 * {@code method NAME(struct) -> (struct)} and {@code error NAME (struct)} declarations, with
 * {@code #} comments; fields {@code name: type}, types {@code ?T}, {@code []T},
 * {@code [string]T}, the five primitives, declared names and inline structs or enums. Throws
 * {@link IllegalArgumentException} at the first token that does not fit.
 */
final class IdlCheck {
    /** The interface name and its members: name to kind. */
    record Idl(String name, Map<String, String> members) {}

    private final List<String> tokens = new ArrayList<>();
    private int at;

    private IdlCheck(String text) {
        StringBuilder cleaned = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            int hash = line.indexOf('#');
            cleaned.append(hash < 0 ? line : line.substring(0, hash)).append('\n');
        }
        String t = cleaned.toString();
        int i = 0;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (t.startsWith("->", i) || t.startsWith("[]", i)) {
                tokens.add(t.substring(i, i + 2));
                i += 2;
            } else if ("(),:?[]".indexOf(c) >= 0) {
                tokens.add(String.valueOf(c));
                i++;
            } else {
                int j = i;
                while (j < t.length() && (Character.isLetterOrDigit(t.charAt(j)) || "._-".indexOf(t.charAt(j)) >= 0)) {
                    j++;
                }
                if (j == i) {
                    throw new IllegalArgumentException("unexpected character '" + c + "'");
                }
                tokens.add(t.substring(i, j));
                i = j;
            }
        }
    }

    static Idl parse(String text) {
        IdlCheck p = new IdlCheck(text);
        p.expect("interface");
        String name = p.next();
        require(name.matches("[A-Za-z]([-]*[A-Za-z0-9])*(\\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+"), "interface name " + name);
        Map<String, String> members = new LinkedHashMap<>();
        while (p.at < p.tokens.size()) {
            String kind = p.next();
            String member = p.next();
            require(member.matches("[A-Z][A-Za-z0-9]*"), kind + " name " + member);
            require(members.put(member, kind) == null, "duplicate member " + member);
            switch (kind) {
                case "type" -> p.structOrEnum();
                case "method" -> {
                    p.struct();
                    p.expect("->");
                    p.struct();
                }
                case "error" -> p.struct();
                default -> throw new IllegalArgumentException("expected type, method or error, got " + kind);
            }
        }
        return new Idl(name, members);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + what);
        }
    }

    private String next() {
        require(at < tokens.size(), "end of text");
        return tokens.get(at++);
    }

    private String peek() {
        return at < tokens.size() ? tokens.get(at) : "";
    }

    private void expect(String token) {
        String t = next();
        require(t.equals(token), "token '" + t + "' where '" + token + "' belongs");
    }

    private void struct() {
        expect("(");
        fields();
    }

    /** After "(": fields "name: type" separated by commas, or an enum's names, up to ")". */
    private void structOrEnum() {
        expect("(");
        fields();
    }

    private void fields() {
        boolean first = true;
        while (!peek().equals(")")) {
            if (!first) {
                expect(",");
            }
            first = false;
            String field = next();
            require(field.matches("[A-Za-z](_?[A-Za-z0-9])*"), "field name " + field);
            if (peek().equals(":")) {
                next();
                type();
            }
        }
        next();
    }

    private void type() {
        String t = next();
        switch (t) {
            case "?" -> {
                require(!peek().equals("?"), "??T");
                type();
            }
            case "[]" -> type();
            case "[" -> {
                expect("string");
                expect("]");
                type();
            }
            case "(" -> fields();
            case "bool", "int", "float", "string", "object" -> { }
            default -> require(t.matches("[A-Z][A-Za-z0-9]*"), "type " + t);
        }
    }
}
