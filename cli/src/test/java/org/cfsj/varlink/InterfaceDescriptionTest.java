package org.cfsj.varlink;

import static org.cfsj.varlink.VarlinkType.Primitive.BOOL;
import static org.cfsj.varlink.VarlinkType.Primitive.FLOAT;
import static org.cfsj.varlink.VarlinkType.Primitive.OBJECT;
import static org.cfsj.varlink.VarlinkType.Primitive.STRING;
import static org.cfsj.varlink.VarlinkType.array;
import static org.cfsj.varlink.VarlinkType.field;
import static org.cfsj.varlink.VarlinkType.maybe;
import static org.cfsj.varlink.VarlinkType.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The IDL model renders text the grammar accepts, and refuses what the grammar forbids. */
class InterfaceDescriptionTest {

    @Test
    void serviceInterfaceRendersAsThePublishedText() {
        String idl = ServiceInterface.DESCRIPTION.idl();
        assertTrue(idl.startsWith("# The Varlink Service Interface is provided by every varlink service. It\n"), idl);
        assertTrue(idl.contains("\ninterface org.varlink.service\n"), idl);
        assertTrue(idl.contains("method GetInfo() -> (vendor: string, product: string, version: string, url: string,"
                + " interfaces: []string)\n"), idl);
        assertTrue(idl.contains("method GetInterfaceDescription(interface: string) -> (description: string)\n"), idl);
        assertTrue(idl.contains("error ExpectedMore ()\n"), idl);
        IdlParser.Parsed p = IdlParser.parse(idl);
        assertEquals("org.varlink.service", p.name());
        assertEquals(List.of("GetInfo", "GetInterfaceDescription"), IdlParser.memberNames(p, "method"));
        assertEquals(List.of("InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter",
                "PermissionDenied", "ExpectedMore"), IdlParser.memberNames(p, "error"));
    }

    @Test
    void everyTypeFormRoundTrips() {
        var point = new InterfaceDescription.TypeDef("Point", "A point.\n\nWith a blank doc line.",
                struct(field("x", FLOAT), field("y", FLOAT)));
        var mode = new InterfaceDescription.TypeDef("Mode", null, new VarlinkType.Enum(List.of("read_only", "writable")));
        var d = new InterfaceDescription("org.example.all-types", "Every form.", List.of(point, mode),
                List.of(new InterfaceDescription.Method("Do", "Does.",
                        struct(field("a", BOOL), field("b", maybe(array(new VarlinkType.Named("Point")))),
                                field("c", new VarlinkType.Dict(maybe(STRING))), field("d", OBJECT),
                                field("e", struct(field("inner", new VarlinkType.Named("Mode")))),
                                field("f", array(maybe(new VarlinkType.Enum(List.of("one", "two")))))),
                        struct())),
                List.of(new InterfaceDescription.Error("Bad", "", struct(field("why", STRING)))));
        String idl = d.idl();
        assertTrue(idl.contains("b: ?[]Point, c: [string]?string, d: object, e: (inner: Mode), f: []?(one, two)"), idl);
        assertTrue(idl.contains("type Mode (read_only, writable)\n"), idl);
        IdlParser.Parsed p = IdlParser.parse(idl);
        assertEquals(List.of("Point", "Mode"), IdlParser.memberNames(p, "type"));
        assertEquals(List.of("Bad"), IdlParser.memberNames(p, "error"));
        IdlParser.parse(TestInterface.DESCRIPTION.idl());
    }

    @Test
    void modelRefusesWhatTheGrammarForbids() {
        assertThrows(IllegalArgumentException.class, () -> maybe(maybe(STRING)));
        assertThrows(IllegalArgumentException.class, () -> field("two__underscores", STRING));
        assertThrows(IllegalArgumentException.class, () -> field("_x", STRING));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceDescription.Method("lower", "", struct(), struct()));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceDescription("NoDots", "", List.of(), List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceDescription("org..x", "", List.of(), List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new InterfaceDescription("org.x-", "", List.of(), List.of(), List.of()));
        // upper case is valid: cfsctl's and systemd's interfaces use it
        new InterfaceDescription("org.composefs.Repository", "", List.of(), List.of(), List.of());
        new InterfaceDescription("io.systemd.Resolve", "", List.of(), List.of(), List.of());
        assertThrows(IllegalArgumentException.class, () -> struct(field("a", STRING), field("a", BOOL)));
        var undeclared = new InterfaceDescription.Method("M", "", struct(field("p", new VarlinkType.Named("Missing"))), struct());
        assertThrows(IllegalArgumentException.class,
                () -> new InterfaceDescription("org.example.x", "", List.of(), List.of(undeclared), List.of()));
        var m = new InterfaceDescription.Method("Same", "", struct(), struct());
        var e = new InterfaceDescription.Error("Same", "", struct());
        assertThrows(IllegalArgumentException.class,
                () -> new InterfaceDescription("org.example.x", "", List.of(), List.of(m), List.of(e)));
    }

    @Test
    void parserRejectsInvalidText() {
        String ok = "interface org.example.x\nmethod M(a: string) -> ()\n";
        IdlParser.parse(ok);
        for (String bad : List.of(
                "interface org.example.x\nmethod M(a: ??string) -> ()\n",
                "interface org.example.x\nmethod m() -> ()\n",
                "interface example\nmethod M() -> ()\n",
                "interface org.example.x\nmethod M(a: Undeclared) -> ()\n",
                "interface org.example.x\nmethod M() -> ()\nmethod M() -> ()\n",
                "interface org.example.x\nmethod M(a string) -> ()\n",
                "interface org.example.x\nerror E ()\n",
                "method M() -> ()\n")) {
            assertThrows(IllegalArgumentException.class, () -> IdlParser.parse(bad), bad);
        }
    }
}
