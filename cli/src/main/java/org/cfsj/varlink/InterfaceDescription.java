package org.cfsj.varlink;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One varlink interface: its name, documentation, named types, methods and errors, rendered by
 * {@link #idl()} as the text {@code org.varlink.service.GetInterfaceDescription} returns.
 *
 * <p>Invariants, checked when it is made: every name follows the IDL grammar ({@link Names}),
 * member names are unique across types, methods and errors, and every {@link VarlinkType.Named}
 * used anywhere refers to a declared type. The text is therefore valid IDL.
 */
public record InterfaceDescription(String name, String doc, List<TypeDef> types, List<Method> methods, List<Error> errors) {

    /** {@code type Name (struct or enum)}. */
    public record TypeDef(String name, String doc, VarlinkType type) {
        public TypeDef {
            Names.requireMember(name);
            if (!(type instanceof VarlinkType.Struct || type instanceof VarlinkType.Enum)) {
                throw new IllegalArgumentException("type " + name + " must be a struct or an enum");
            }
        }
    }

    /** {@code method Name(input) -> (output)}. */
    public record Method(String name, String doc, VarlinkType.Struct input, VarlinkType.Struct output) {
        public Method {
            Names.requireMember(name);
        }
    }

    /** {@code error Name (parameters)}. */
    public record Error(String name, String doc, VarlinkType.Struct parameters) {
        public Error {
            Names.requireMember(name);
        }
    }

    public InterfaceDescription {
        Names.requireInterface(name);
        doc = doc == null ? "" : doc;
        types = List.copyOf(types);
        methods = List.copyOf(methods);
        errors = List.copyOf(errors);
        List<String> members = new ArrayList<>();
        types.forEach(t -> members.add(t.name()));
        methods.forEach(m -> members.add(m.name()));
        errors.forEach(e -> members.add(e.name()));
        Names.requireDistinct(members, "member of " + name);
        List<String> typeNames = types.stream().map(TypeDef::name).toList();
        List<VarlinkType> used = new ArrayList<>();
        types.forEach(t -> used.add(t.type()));
        methods.forEach(m -> {
            used.add(m.input());
            used.add(m.output());
        });
        errors.forEach(e -> used.add(e.parameters()));
        used.forEach(t -> requireDeclared(t, typeNames));
    }

    private static void requireDeclared(VarlinkType t, List<String> declared) {
        switch (t) {
            case VarlinkType.Named n when !declared.contains(n.name()) ->
                    throw new IllegalArgumentException("type " + n.name() + " is used but not declared");
            case VarlinkType.Array a -> requireDeclared(a.element(), declared);
            case VarlinkType.Dict d -> requireDeclared(d.value(), declared);
            case VarlinkType.Maybe m -> requireDeclared(m.type(), declared);
            case VarlinkType.Struct s -> s.fields().forEach(f -> requireDeclared(f.type(), declared));
            default -> {}
        }
    }

    public Optional<Method> method(String member) {
        return methods.stream().filter(m -> m.name().equals(member)).findFirst();
    }

    public Optional<TypeDef> type(String member) {
        return types.stream().filter(t -> t.name().equals(member)).findFirst();
    }

    public Optional<Error> error(String member) {
        return errors.stream().filter(e -> e.name().equals(member)).findFirst();
    }

    /** The interface as varlink IDL text: documentation as {@code #} comments before what it documents. */
    public String idl() {
        StringBuilder out = new StringBuilder();
        comment(out, doc);
        out.append("interface ").append(name).append('\n');
        for (TypeDef t : types) {
            out.append('\n');
            comment(out, t.doc());
            out.append("type ").append(t.name()).append(' ').append(t.type().idl()).append('\n');
        }
        for (Method m : methods) {
            out.append('\n');
            comment(out, m.doc());
            out.append("method ").append(m.name()).append(m.input().idl()).append(" -> ").append(m.output().idl()).append('\n');
        }
        for (Error e : errors) {
            out.append('\n');
            comment(out, e.doc());
            out.append("error ").append(e.name()).append(' ').append(e.parameters().idl()).append('\n');
        }
        return out.toString();
    }

    private static void comment(StringBuilder out, String doc) {
        if (doc == null || doc.isEmpty()) {
            return;
        }
        for (String line : doc.split("\n", -1)) {
            out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
        }
    }
}
