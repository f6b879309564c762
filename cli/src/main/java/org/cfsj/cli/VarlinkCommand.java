package org.cfsj.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.FileCalls;
import org.cfsj.varlink.VarlinkClient;
import org.cfsj.varlink.VarlinkError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cfsj varlink}: talks to a varlink service; only groups its subcommands. */
@Command(name = "varlink", mixinStandardHelpOptions = true,
        description = "Call methods of a varlink service such as 'cfsj serve', for scripts and debugging.",
        subcommands = VarlinkCommand.Call.class)
final class VarlinkCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
        throw new CommandLine.ParameterException(spec.commandLine(), "missing varlink subcommand");
    }

    /** {@code cfsj varlink call METHOD [JSON]}: one call, its replies as JSON lines. */
    @Command(name = "call", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Call one varlink method and print its replies as JSON lines.",
                "",
                "METHOD is interface.Method (e.g. org.composefs.Oci.ListImages), JSON its",
                "parameters (an object; default {}). Each reply's parameters are printed as one",
                "line of JSON on stdout. An error reply is printed on stderr as",
                "'error: NAME {parameters}' and the exit status is 1.",
                "",
                "With --more, the service may answer with several replies (Pull's progress); each",
                "is printed as it comes. With --oneway, no reply is asked for or printed.",
                "File descriptors a reply carries (Mount's detached mount) are closed at once:",
                "the reply's fd_index says which one it was.",
                "",
                "Example: cfsj varlink call org.composefs.Repository.OpenRepository '{\"system\": true}'",
                "(a handle lives only as long as its connection, so it serves no second call).",
            },
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the call succeeded", "1:the service answered with an error or could not be reached",
                    "2:invalid usage"})
    static final class Call implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--socket", paramLabel = "PATH",
                description = "The service's socket (default: /run/cfsj/cfsj.sock as root, $XDG_RUNTIME_DIR/cfsj.sock otherwise).")
        Path socket;

        @Option(names = "--more", description = "Ask for streamed replies ('more') and print each.")
        boolean more;

        @Option(names = "--oneway", description = "Ask for no reply ('oneway').")
        boolean oneway;

        @Parameters(index = "0", paramLabel = "METHOD", description = "interface.Method")
        String method;

        @Parameters(index = "1", paramLabel = "JSON", arity = "0..1", description = "The parameters, a JSON object (default {}).")
        String parameters;

        @Override
        public Integer call() throws IOException {
            if (more && oneway) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--more and --oneway exclude each other");
            }
            ObjectNode params = parse();
            Path path = socket != null ? socket : defaultSocket();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (VarlinkClient client = VarlinkClient.connect(path)) {
                if (oneway) {
                    client.callOneway(method, params);
                    return 0;
                }
                VarlinkClient.Reply last = more
                        ? client.callMore(method, params, r -> print(out, r))
                        : client.call(method, params);
                print(out, last);
                return 0;
            } catch (VarlinkError e) {
                out.flush();
                err.println("error: " + e.error() + " " + JSON.writeValueAsString(e.parameters()));
                err.flush();
                return Errors.FAILED;
            }
        }

        private ObjectNode parse() {
            if (parameters == null) {
                return JsonNodeFactory.instance.objectNode();
            }
            JsonNode n;
            try {
                n = JSON.readTree(parameters);
            } catch (JsonProcessingException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "JSON: not valid JSON: " + e.getOriginalMessage());
            }
            if (!(n instanceof ObjectNode o)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "JSON: the parameters must be a JSON object");
            }
            return o;
        }

        private static void print(PrintWriter out, VarlinkClient.Reply r) {
            for (int fd : r.fds()) {
                FileCalls.close(fd);
            }
            try {
                out.println(JSON.writeValueAsString(r.parameters()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serialises", e);
            }
            out.flush();
        }

        /**
         * Where {@code cfsj serve} listens by default, and where the other commands look for it:
         * {@code $CFSJ_SOCKET}, else /run/cfsj/cfsj.sock for root and $XDG_RUNTIME_DIR/cfsj.sock otherwise.
         */
        static Path defaultSocket() throws IOException {
            String configured = System.getenv("CFSJ_SOCKET");
            if (configured != null && !configured.isEmpty()) {
                return Path.of(configured);
            }
            if (EffectiveUser.isRoot()) {
                return ServeCommand.ROOT_SOCKET;
            }
            String runtime = System.getenv("XDG_RUNTIME_DIR");
            if (runtime == null || runtime.isEmpty()) {
                throw new IOException("$XDG_RUNTIME_DIR is not set; name the socket with --socket PATH");
            }
            return Path.of(runtime, "cfsj.sock");
        }
    }
}
