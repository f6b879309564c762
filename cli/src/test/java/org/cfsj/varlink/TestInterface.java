package org.cfsj.varlink;

import static org.cfsj.varlink.VarlinkType.Primitive.INT;
import static org.cfsj.varlink.VarlinkType.Primitive.STRING;
import static org.cfsj.varlink.VarlinkType.field;
import static org.cfsj.varlink.VarlinkType.maybe;
import static org.cfsj.varlink.VarlinkType.struct;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cfsj.sys.FileCalls;

/** {@code org.cfsj.test}: one method per protocol feature the server tests exercise. */
final class TestInterface implements VarlinkInterface {
    static final InterfaceDescription DESCRIPTION = new InterfaceDescription("org.cfsj.test", "Methods for the varlink tests.",
            List.of(new InterfaceDescription.TypeDef("Colour", "A colour.", new VarlinkType.Enum(List.of("red", "green")))),
            List.of(new InterfaceDescription.Method("Echo", "Returns its text.",
                            struct(field("text", STRING), field("colour", maybe(new VarlinkType.Named("Colour")))),
                            struct(field("text", STRING))),
                    new InterfaceDescription.Method("Count", "Streams 0..count-1, needs more.", struct(field("count", INT)),
                            struct(field("index", INT))),
                    new InterfaceDescription.Method("Note", "Records a note (for oneway calls).", struct(field("note", STRING)),
                            struct()),
                    new InterfaceDescription.Method("OpenFile", "Opens a file; returns the fd's index.",
                            struct(field("path", STRING)), struct(field("fd_index", INT))),
                    new InterfaceDescription.Method("ReadFd", "Reads the file behind the fd sent with the call.", struct(),
                            struct(field("content", STRING))),
                    new InterfaceDescription.Method("Hold", "Keeps a per-connection token until the connection closes.",
                            struct(field("token", STRING)), struct(field("connection", INT), field("pid", INT), field("uid", INT))),
                    new InterfaceDescription.Method("Fail", "Fails unexpectedly.", struct(), struct()),
                    new InterfaceDescription.Method("Unimplemented", "Declared, not implemented.", struct(), struct())),
            List.of(new InterfaceDescription.Error("InternalError", "Something unexpected.", struct(field("message", STRING)))));

    final List<String> notes = new CopyOnWriteArrayList<>();
    final List<String> held = new CopyOnWriteArrayList<>();

    @Override
    public InterfaceDescription description() {
        return DESCRIPTION;
    }

    @Override
    public void handle(MethodCall call) throws VarlinkError, IOException {
        ObjectNode p = call.parameters();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        switch (call.method()) {
            case "Echo" -> call.reply(out.put("text", p.get("text").asText()));
            case "Count" -> {
                call.requireMore();
                int n = p.get("count").asInt();
                for (int i = 0; i < n - 1; i++) {
                    call.replyContinues(JsonNodeFactory.instance.objectNode().put("index", i));
                }
                call.reply(out.put("index", n - 1));
            }
            case "Note" -> notes.add(p.get("note").asText());
            case "OpenFile" -> {
                int fd = FileCalls.open(p.get("path").asText(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
                call.reply(out.put("fd_index", call.attachFd(fd)));
            }
            case "ReadFd" -> {
                if (call.fdCount() != 1) {
                    throw VarlinkError.invalidParameter("fds");
                }
                String content = Files.readString(Path.of("/proc/self/fd/" + call.fd(0)));
                call.reply(out.put("content", content));
            }
            case "Hold" -> {
                String token = p.get("token").asText();
                held.add(token);
                call.connection().onClose(() -> held.remove(token));
                call.reply(out.put("connection", call.connection().id()).put("pid", call.connection().peer().pid())
                        .put("uid", call.connection().peer().uid()));
            }
            case "Fail" -> throw new IllegalStateException("boom");
            default -> throw VarlinkError.methodNotImplemented("org.cfsj.test." + call.method());
        }
    }
}
