package org.cfsj.varlink;

import java.util.List;

/**
 * A type of the varlink interface definition language: the five primitives, a reference to a
 * named type of the same interface, an array {@code []T}, a string-keyed dictionary
 * {@code [string]T}, a nullable {@code ?T}, an anonymous struct or an enum.
 *
 * <p>{@link #idl()} is this type as IDL text; the grammar allows no {@code ??T}, so
 * {@link Maybe} of a {@link Maybe} is refused when it is made.
 */
public sealed interface VarlinkType {
    /** The IDL spelling of this type. */
    String idl();

    enum Primitive implements VarlinkType {
        BOOL("bool"), INT("int"), FLOAT("float"), STRING("string"), OBJECT("object");

        private final String keyword;

        Primitive(String keyword) {
            this.keyword = keyword;
        }

        @Override
        public String idl() {
            return keyword;
        }
    }

    /** A named type declared with {@code type Name ...} in the same interface. */
    record Named(String name) implements VarlinkType {
        public Named {
            Names.requireMember(name);
        }

        @Override
        public String idl() {
            return name;
        }
    }

    record Array(VarlinkType element) implements VarlinkType {
        @Override
        public String idl() {
            return "[]" + element.idl();
        }
    }

    record Dict(VarlinkType value) implements VarlinkType {
        @Override
        public String idl() {
            return "[string]" + value.idl();
        }
    }

    record Maybe(VarlinkType type) implements VarlinkType {
        public Maybe {
            if (type instanceof Maybe) {
                throw new IllegalArgumentException("varlink has no ??T");
            }
        }

        @Override
        public String idl() {
            return "?" + type.idl();
        }
    }

    /** One field of a struct (also a method's input or output, an error's parameters). */
    record Field(String name, VarlinkType type) {
        public Field {
            Names.requireField(name);
        }
    }

    record Struct(List<Field> fields) implements VarlinkType {
        public Struct {
            fields = List.copyOf(fields);
            Names.requireDistinct(fields.stream().map(Field::name).toList(), "field");
        }

        @Override
        public String idl() {
            StringBuilder out = new StringBuilder("(");
            for (int i = 0; i < fields.size(); i++) {
                out.append(i == 0 ? "" : ", ").append(fields.get(i).name()).append(": ").append(fields.get(i).type().idl());
            }
            return out.append(')').toString();
        }
    }

    record Enum(List<String> values) implements VarlinkType {
        public Enum {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("an enum needs at least one value");
            }
            values.forEach(Names::requireField);
            Names.requireDistinct(values, "enum value");
        }

        @Override
        public String idl() {
            return "(" + String.join(", ", values) + ")";
        }
    }

    /** Shorthand: {@code ?T}. */
    static VarlinkType maybe(VarlinkType t) {
        return new Maybe(t);
    }

    /** Shorthand: {@code []T}. */
    static VarlinkType array(VarlinkType t) {
        return new Array(t);
    }

    /** Shorthand: a struct of the given fields. */
    static Struct struct(Field... fields) {
        return new Struct(List.of(fields));
    }

    /** Shorthand: a field. */
    static Field field(String name, VarlinkType type) {
        return new Field(name, type);
    }
}
